using System.Globalization;
using System.Net.WebSockets;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Primitives;

namespace Jetstream.Emulator;

/// <summary>
/// <c>GET /subscribe</c>: validates the query before the upgrade and answers mistakes with the legacy server's
/// HTTP 400 text/plain bodies (PROTOCOL.md §2.1), then serves the connection.
/// </summary>
internal static class SubscribeEndpoint
{
    public const string CompressionNotSupported =
        "zstd compression (compress=true or Socket-Encoding: zstd) is not implemented by the Jetstream emulator";

    public static async Task HandleAsync(HttpContext context, EmulatorHub hub)
    {
        var url = $"{context.Request.Path}{context.Request.QueryString}";
        hub.RecordRequest(url);
        var query = context.Request.Query;

        if (First(query["compress"]) == "true" || context.Request.Headers["Socket-Encoding"].Any(v => v?.Contains("zstd", StringComparison.Ordinal) == true))
        {
            await RejectAsync(context, hub, url, CompressionNotSupported);
            return;
        }

        long? cursor = null;
        var rawCursor = First(query["cursor"]);
        if (!string.IsNullOrEmpty(rawCursor))
        {
            if (!long.TryParse(rawCursor, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var parsed))
            {
                await RejectAsync(context, hub, url, $"invalid cursor: {rawCursor}");
                return;
            }

            // A cursor in the future means live tail; zero or negative replays from the oldest event (§2.4).
            cursor = parsed > hub.NowUs ? null : parsed;
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

        // Registered before the upgrade: a client may publish as soon as its handshake completes.
        var subscriber = new Subscriber(hub, context, filter, ParseMaxMessageSize(First(query["maxMessageSizeBytes"])), First(query["requireHello"]) == "true");
        hub.Register(subscriber, cursor);
        WebSocket socket;
        try
        {
            socket = await context.WebSockets.AcceptWebSocketAsync(new WebSocketAcceptContext
            {
                KeepAliveInterval = hub.Options.PingInterval,
                KeepAliveTimeout = hub.Options.PongTimeout,
            });
        }
        catch
        {
            hub.Remove(subscriber);
            throw;
        }

        using (socket)
        {
            EmulatorLog.Connected(hub.Logger, subscriber.Id, url);
            var how = await subscriber.RunAsync(socket);
            EmulatorLog.Disconnected(hub.Logger, subscriber.Id, subscriber.EventsSent, how);
        }
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
