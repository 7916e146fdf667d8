using System.Net.WebSockets;

namespace Jetstream.Emulator;

/// <summary>
/// The sending side of one subscriber's socket, as the wire sees it: frames out (optionally in fragments cut at any
/// byte, so clients' reassembly can be tested) and counted, the last error frame of an abrupt end, and the close
/// handshake. Only the subscriber's single sender calls it, so sends never overlap.
/// </summary>
internal sealed class SubscriberSocket(WebSocket socket, int fragmentBytes, ByteCounters counters)
{
    public WebSocket Socket => socket;

    public async ValueTask SendAsync(SentFrame frame)
    {
        var payload = frame.Payload;
        while (fragmentBytes > 0 && payload.Length > fragmentBytes)
        {
            await socket.SendAsync(payload[..fragmentBytes], frame.Type, endOfMessage: false, CancellationToken.None);
            payload = payload[fragmentBytes..];
        }

        await socket.SendAsync(payload, frame.Type, endOfMessage: true, CancellationToken.None);
        counters.Add(frame);
    }

    /// <summary>Sends the error frame that ends the connection, whole; false when the client could not take it in time.</summary>
    public async Task<bool> TrySendFinalAsync(SentFrame frame, TimeSpan timeout)
    {
        using var cancel = new CancellationTokenSource(timeout);
        try
        {
            await socket.SendAsync(frame.Payload, frame.Type, endOfMessage: true, cancel.Token);
            counters.Add(frame);
            return true;
        }
        catch (Exception ex) when (ex is WebSocketException or IOException or ObjectDisposedException or OperationCanceledException)
        {
            return false;
        }
    }

    /// <summary>Sends our close frame and waits for the client's (the end of <paramref name="receiving"/>); false when that fails or times out.</summary>
    public async Task<bool> TryCloseAsync(WebSocketCloseStatus status, string reason, Task receiving, TimeSpan timeout)
    {
        try
        {
            await socket.CloseOutputAsync(status, reason, CancellationToken.None);
            await receiving.WaitAsync(timeout);
            return true;
        }
        catch (Exception ex) when (ex is WebSocketException or IOException or TimeoutException or ObjectDisposedException)
        {
            return false;
        }
    }
}
