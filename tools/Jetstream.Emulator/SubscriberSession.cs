using System.Net.WebSockets;
using Microsoft.AspNetCore.Http;

namespace Jetstream.Emulator;

/// <summary>Registers a validated connection, upgrades it and serves it until it ends; the same for both wires.</summary>
internal static class SubscriberSession
{
    public const string ConnectionIdHeader = "X-Emulator-Connection-Id";

    /// <summary>Returns the plan; a refused plan (v2 CursorTooOld) has not been upgraded and the caller must answer.</summary>
    public static async Task<CursorPlan> RunAsync(HttpContext context, EmulatorHub hub, Subscriber subscriber, CursorRequest cursor, string? subprotocol)
    {
        // Registered before the upgrade: a client may publish as soon as its handshake completes.
        var plan = hub.Register(subscriber, cursor);
        if (plan.Refused)
        {
            return plan;
        }

        // Lets a test find its own connection in GET /control/connections (ClientWebSocket.HttpResponseHeaders).
        context.Response.Headers[ConnectionIdHeader] = subscriber.Id.ToString(System.Globalization.CultureInfo.InvariantCulture);
        WebSocket socket;
        try
        {
            socket = await context.WebSockets.AcceptWebSocketAsync(new WebSocketAcceptContext
            {
                SubProtocol = subprotocol,
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
            EmulatorLog.Connected(hub.Logger, subscriber.Id, subscriber.Url);
            var how = await subscriber.RunAsync(socket);
            EmulatorLog.Disconnected(hub.Logger, subscriber.Id, subscriber.EventsSent, how);
        }

        return plan;
    }
}
