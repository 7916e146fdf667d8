using System.Globalization;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Primitives;

namespace Jetstream.Emulator;

/// <summary>
/// <c>GET /subscribe</c>: validates the query before the upgrade and answers mistakes with the legacy server's
/// HTTP 400 text/plain bodies (PROTOCOL.md §2.1), then serves the connection.
/// </summary>
internal static class SubscribeEndpoint
{
    public const string Path = "/subscribe";

    public static async Task HandleAsync(HttpContext context, EmulatorHub hub, ZstdDictionaries dictionaries)
    {
        var url = $"{context.Request.Path}{context.Request.QueryString}";
        hub.RecordRequest(url);
        var query = context.Request.Query;

        ZstdFrameCompressor? zstd = null;
        if (First(query["compress"]) == "true" || context.Request.Headers["Socket-Encoding"].Any(v => v?.Contains("zstd", StringComparison.Ordinal) == true))
        {
            if (hub.Options.V2StyleSubscribe && context.Request.Headers.SecWebSocketExtensions.Any(v => v?.Contains("permessage-deflate", StringComparison.Ordinal) == true))
            {
                // The v2 server negotiates deflate on /subscribe and refuses a client asking for both (§2.7).
                await RejectAsync(context, hub, url, "choose one compression scheme: custom zstd (compress=true / Socket-Encoding: zstd) or RFC 7692 permessage-deflate, not both");
                return;
            }

            zstd = dictionaries.V1;
            if (zstd is null)
            {
                await RejectAsync(context, hub, url, $"zstd compression (compress=true or Socket-Encoding: zstd) is not available: {dictionaries.Missing(KnownZstdDictionary.Legacy.Id)}");
                return;
            }
        }

        var cursor = CursorRequest.Live;
        var rawCursor = First(query["cursor"]);
        if (!string.IsNullOrEmpty(rawCursor))
        {
            if (!long.TryParse(rawCursor, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var parsed))
            {
                await RejectAsync(context, hub, url, $"invalid cursor: {rawCursor}");
                return;
            }

            if (hub.Options.V2StyleSubscribe && parsed < 0)
            {
                // The v2 server's /subscribe refuses what the legacy one replays from the oldest event (§2.1).
                await RejectAsync(context, hub, url, $"subscribe: invalid cursor: negative value {parsed}");
                return;
            }

            // Legacy: a cursor in the future means live tail; zero or negative replays from the oldest event (§2.4).
            // A v2 server reads a value below 1e15 as a seq, clamped silently to the floor on this endpoint.
            cursor = hub.Options.V2StyleSubscribe ? CursorRequest.FromV2(parsed, rejectSeqBelowFloor: false) : new CursorRequest(CursorKind.TimeUs, parsed);
        }

        var filter = SubscriberFilter.TryCreate(Values(query["wantedCollections"]), Values(query["wantedDids"]), out var error);
        if (filter is null)
        {
            await RejectAsync(context, hub, url, error!);
            return;
        }

        if (!context.WebSockets.IsWebSocketRequest)
        {
            await RejectAsync(context, hub, url, "expected a WebSocket upgrade request");
            return;
        }

        var subscriber = new V1Subscriber(hub, context, url, filter, ParseMaxMessageSize(First(query["maxMessageSizeBytes"])), First(query["requireHello"]) == "true", zstd);
        await SubscriberSession.RunAsync(context, hub, subscriber, cursor, subprotocol: null);
    }

    /// <summary>
    /// The legacy server's lenient parse: empty, non-integer or negative means no limit, and values beyond 32 bits
    /// wrap (4294967296 becomes 0).
    /// </summary>
    private static uint ParseMaxMessageSize(string? raw) =>
        long.TryParse(raw, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var value) && value > 0
            ? unchecked((uint)value)
            : 0;

    private static string? First(StringValues values) => values.Count > 0 ? values[0] : null;

    private static string[] Values(StringValues values) => values.Select(v => v ?? "").ToArray();

    private static async Task RejectAsync(HttpContext context, EmulatorHub hub, string url, string body)
    {
        EmulatorLog.Rejected(hub.Logger, url, body);
        context.Response.StatusCode = StatusCodes.Status400BadRequest;
        context.Response.ContentType = "text/plain; charset=UTF-8";
        await context.Response.WriteAsync(body);
    }
}
