using System.Net.WebSockets;
using System.Text;

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

    /// <summary>The handshake, given at most <paramref name="timeout"/>, then the request's hello if it has one (v1's filters that do not fit the URL).</summary>
    public static async Task OpenAsync(ClientWebSocket ws, WireRequest request, TimeSpan timeout, CancellationToken session)
    {
        using (var connectLimit = CancellationTokenSource.CreateLinkedTokenSource(session))
        {
            connectLimit.CancelAfter(timeout);
            await ws.ConnectAsync(request.Uri, connectLimit.Token);
        }

        if (request.Hello is { } hello)
        {
            await ws.SendAsync(Encoding.UTF8.GetBytes(hello), WebSocketMessageType.Text, true, session);
        }
    }
}
