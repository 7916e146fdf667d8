using System.Net.WebSockets;

namespace Jetstream.Grains.Connection;

/// <summary>The client socket every connection uses: handshake details kept (for 4xx), liveness by ping/pong.</summary>
public static class JetstreamSocket
{
    public static ClientWebSocket Create(int livenessTimeoutSeconds)
    {
        var ws = new ClientWebSocket();
        ws.Options.CollectHttpResponseDetails = true;
        // A ping every half window, and the socket declared dead when no pong comes back within the other half.
        var half = TimeSpan.FromSeconds(livenessTimeoutSeconds / 2.0);
        ws.Options.KeepAliveInterval = half;
        ws.Options.KeepAliveTimeout = half;
        ws.Options.SetRequestHeader("User-Agent", "Jetstream.Orleans/" + typeof(JetstreamSocket).Assembly.GetName().Version);
        return ws;
    }
}
