using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;

namespace Jetstream.TestSupport;

/// <summary>
/// A loopback TCP forwarder that a test can cut and restore, so a service sees its storage vanish (connections reset,
/// new ones refused) and come back. Killing Azurite instead would also lose its unflushed data, which is not what
/// an outage of a real storage account does. Started with a segment size, it also forwards what the client sends in
/// pieces of at most that many bytes with a pause between them, so the server reads a request body in many chunks
/// whose boundaries fall where the test chose (a real network splits bodies too, only not on demand).
/// </summary>
public sealed class TcpProxy : IAsyncDisposable
{
    private readonly int _targetPort;
    private readonly int? _upstreamSegmentBytes;
    private readonly ConcurrentDictionary<Socket, byte> _sockets = new();
    private TcpListener? _listener;
    private CancellationTokenSource _cts = new();

    private TcpProxy(int port, int targetPort, int? upstreamSegmentBytes)
    {
        Port = port;
        _targetPort = targetPort;
        _upstreamSegmentBytes = upstreamSegmentBytes;
    }

    public int Port { get; }

    /// <param name="upstreamSegmentBytes">When set, client-to-server bytes go in pieces of at most this size, each sent on its own.</param>
    public static TcpProxy Start(int targetPort, int? upstreamSegmentBytes = null)
    {
        // A port from below the ephemeral range (FreePort): no outgoing connection takes it, at the start or after a cut.
        var proxy = new TcpProxy(FreePort.Next(), targetPort, upstreamSegmentBytes);
        proxy.Resume();
        return proxy;
    }

    /// <summary>Resets every open connection and refuses new ones.</summary>
    public void Cut()
    {
        _cts.Cancel();
        _listener?.Stop();
        _listener = null;
        foreach (var socket in _sockets.Keys)
        {
            try
            {
                socket.LingerState = new LingerOption(true, 0);
                socket.Close();
            }
            catch (ObjectDisposedException)
            {
            }
        }

        _sockets.Clear();
    }

    public void Resume()
    {
        // Should anything hold the port a moment (FreePort's fallback hands out an ephemeral one), wait for it.
        for (var attempt = 0; ; attempt++)
        {
            var listener = new TcpListener(IPAddress.Loopback, Port);
            listener.Server.SetSocketOption(SocketOptionLevel.Socket, SocketOptionName.ReuseAddress, true);
            try
            {
                listener.Start();
                Listen(listener);
                return;
            }
            catch (SocketException ex) when (ex.SocketErrorCode == SocketError.AddressAlreadyInUse && attempt < 100)
            {
                listener.Stop();
                Thread.Sleep(100);
            }
        }
    }

    private void Listen(TcpListener listener)
    {
        _cts = new CancellationTokenSource();
        _listener = listener;
        _ = AcceptLoopAsync(listener, _cts.Token);
    }

    public ValueTask DisposeAsync()
    {
        Cut();
        return ValueTask.CompletedTask;
    }

    private async Task AcceptLoopAsync(TcpListener listener, CancellationToken cancellationToken)
    {
        while (!cancellationToken.IsCancellationRequested)
        {
            Socket client;
            try
            {
                client = await listener.AcceptSocketAsync(cancellationToken);
            }
            catch (Exception ex) when (ex is OperationCanceledException or SocketException or ObjectDisposedException)
            {
                return;
            }

            _ = ForwardAsync(client, cancellationToken);
        }
    }

    private async Task ForwardAsync(Socket client, CancellationToken cancellationToken)
    {
        // Without Nagle's delay each piece leaves as soon as it is sent, which is what keeps the pieces apart.
        var server = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = _upstreamSegmentBytes is not null };
        _sockets[client] = 0;
        _sockets[server] = 0;
        try
        {
            await server.ConnectAsync(IPAddress.Loopback, _targetPort, cancellationToken);
            await Task.WhenAny(PumpAsync(client, server, _upstreamSegmentBytes, cancellationToken), PumpAsync(server, client, null, cancellationToken));
        }
        catch (Exception ex) when (ex is OperationCanceledException or SocketException or ObjectDisposedException)
        {
        }
        finally
        {
            _sockets.TryRemove(client, out _);
            _sockets.TryRemove(server, out _);
            client.Dispose();
            server.Dispose();
        }
    }

    private static async Task PumpAsync(Socket from, Socket to, int? segmentBytes, CancellationToken cancellationToken)
    {
        var buffer = new byte[64 * 1024];
        while (true)
        {
            var read = await from.ReceiveAsync(buffer, SocketFlags.None, cancellationToken);
            if (read == 0)
            {
                to.Shutdown(SocketShutdown.Send);
                return;
            }

            if (segmentBytes is not { } segment)
            {
                await to.SendAsync(buffer.AsMemory(0, read), SocketFlags.None, cancellationToken);
                continue;
            }

            for (var sent = 0; sent < read; sent += segment)
            {
                await to.SendAsync(buffer.AsMemory(sent, Math.Min(segment, read - sent)), SocketFlags.None, cancellationToken);
                // Long enough for the server to read this piece before the next arrives, so the pieces stay apart.
                await Task.Delay(2, cancellationToken);
            }
        }
    }
}
