using System.Globalization;
using Microsoft.AspNetCore.Http;

namespace Jetstream.Emulator;

/// <summary>
/// <c>GET /xrpc/network.bsky.jetstream.subscribeEvents</c> (PROTOCOL.md §3): validates in [V2]'s order, answering
/// with XRPC JSON errors before the upgrade (so a plain GET of the same URL tells a client the error's name), then
/// serves the connection.
/// </summary>
internal static class SubscribeEventsEndpoint
{
    public const string Path = "/xrpc/network.bsky.jetstream.subscribeEvents";

    public static async Task HandleAsync(HttpContext context, EmulatorHub hub, ZstdDictionaries dictionaries)
    {
        var url = $"{context.Request.Path}{context.Request.QueryString}";
        hub.RecordRequest(url);
        var query = context.Request.Query;

        if (query["compress"] == "true" || context.Request.Headers["Socket-Encoding"].Any(v => v?.Contains("zstd", StringComparison.Ordinal) == true))
        {
            await RejectAsync(context, hub, url, "InvalidRequest",
                "compress=true / Socket-Encoding: zstd is the /subscribe (v1) opt-in; this endpoint uses zstdDictionary=<id> with the dictionary from getZstdDictionary");
            return;
        }

        ZstdFrameCompressor? zstd = null;
        var rawDictionary = query["zstdDictionary"].ToString();
        if (rawDictionary.Length > 0)
        {
            if (!uint.TryParse(rawDictionary, NumberStyles.None, CultureInfo.InvariantCulture, out var id) || id == 0)
            {
                await RejectAsync(context, hub, url, "InvalidRequest", "zstdDictionary must be a positive integer zstd dictionary ID");
                return;
            }

            var current = hub.Options.V2DictionaryId;
            if (id != current)
            {
                await RejectAsync(context, hub, url, "UnknownZstdDictionary",
                    $"unknown zstd dictionary id {id}; current dictionary id is {current} (fetch it via getZstdDictionary and reconnect)");
                return;
            }

            zstd = dictionaries.ForV2(id);
            if (zstd is null)
            {
                await RejectAsync(context, hub, url, "InvalidRequest", $"zstd compression is not available: {dictionaries.Missing(id)}");
                return;
            }
        }

        var filter = V2Filter.TryParse(query, out var error);
        if (filter is null)
        {
            await RejectAsync(context, hub, url, "InvalidRequest", error!);
            return;
        }

        var cursor = CursorRequest.Live;
        var rawCursor = query["cursor"].ToString();
        if (rawCursor.Length > 0)
        {
            if (!long.TryParse(rawCursor, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var parsed))
            {
                await RejectAsync(context, hub, url, "InvalidRequest", $"subscribe: invalid cursor: \"{rawCursor}\"");
                return;
            }

            if (parsed < 0)
            {
                await RejectAsync(context, hub, url, "InvalidRequest", $"subscribe: invalid cursor: negative value {parsed}");
                return;
            }

            cursor = CursorRequest.FromV2(parsed, rejectSeqBelowFloor: true);
        }

        if (!context.WebSockets.IsWebSocketRequest)
        {
            // Checked after every validation, as [V2] does, so a plain GET learns the error the upgrade would get.
            if (hub.Resolve(cursor) is { Refused: true } refused)
            {
                await RejectAsync(context, hub, url, "CursorTooOld", TooOld(cursor, refused));
                return;
            }

            EmulatorLog.Rejected(hub.Logger, url, "not a WebSocket upgrade");
            context.Response.StatusCode = StatusCodes.Status426UpgradeRequired;
            await context.Response.WriteAsync("WebSocket protocol violation: expected an upgrade request");
            return;
        }

        // [V2] echoes xrpc.v1.json only when offered exactly; the framing is the same either way (proposal 0015).
        var subprotocol = context.WebSockets.WebSocketRequestedProtocols.Contains(V2Subscriber.SubprotocolName) ? V2Subscriber.SubprotocolName : null;
        var subscriber = new V2Subscriber(hub, context, url, filter, zstd, subprotocol);
        var plan = await SubscriberSession.RunAsync(context, hub, subscriber, cursor, subprotocol);
        if (plan.Refused)
        {
            await RejectAsync(context, hub, url, "CursorTooOld", TooOld(cursor, plan));
        }
    }

    // [V2] cursor.go's text, which carries the floor seq a client may re-backfill from.
    private static string TooOld(CursorRequest cursor, CursorPlan plan) =>
        $"subscribe: cursor too old: cursor {cursor.Value} below lookback floor {plan.TooOldFloor}; re-backfill from your last seq";

    private static async Task RejectAsync(HttpContext context, EmulatorHub hub, string url, string name, string message)
    {
        EmulatorLog.Rejected(hub.Logger, url, $"{name}: {message}");
        await XrpcError.WriteAsync(context, StatusCodes.Status400BadRequest, name, message);
    }
}
