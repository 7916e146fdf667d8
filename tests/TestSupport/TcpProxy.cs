using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;

namespace Jetstream.TestSupport;

/// <summary>
/// A loopback TCP forwarder that a test can cut and restore, so a service sees its storage vanish (connections reset,
/// new ones refused) and come back. Killing Azurite instead would also lose its unflushed data, which is not what
/// an outage of a real storage account does.
/// </summary>
public sealed class TcpProxy : IAsyncDisposable
{
    private readonly int _targetPort;
    private readonly ConcurrentDictionary<Socket, byte> _sockets = new();
    private TcpListener? _listener;
    private CancellationTokenSource _cts = new();

    private TcpProxy(int port, int targetPort)
    {
        Port = port;
        _targetPort = targetPort;
    }

    public int Port { get; }

    public static TcpProxy Start(int targetPort)
    {
        var proxy = new TcpProxy(FreePort.Next(), targetPort);
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
        _cts = new CancellationTokenSource();
        var listener = new TcpListener(IPAddress.Loopback, Port);
        listener.Server.SetSocketOption(SocketOptionLevel.Socket, SocketOptionName.ReuseAddress, true);
        listener.Start();
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
        var server = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        _sockets[client] = 0;
        _sockets[server] = 0;
        try
        {
            await server.ConnectAsync(IPAddress.Loopback, _targetPort, cancellationToken);
            await Task.WhenAny(PumpAsync(client, server, cancellationToken), PumpAsync(server, client, cancellationToken));
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

    private static async Task PumpAsync(Socket from, Socket to, CancellationToken cancellationToken)
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

            await to.SendAsync(buffer.AsMemory(0, read), SocketFlags.None, cancellationToken);
        }
    }
}
