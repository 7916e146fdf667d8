using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Text;

namespace Jetstream.Grains.Tests.Integration;

/// <summary>
/// A server that completes the WebSocket handshake and then neither reads nor writes: a peer gone silent
/// (its pongs never come back), which only a liveness check can detect.
/// </summary>
internal sealed class SilentWebSocketServer : IAsyncDisposable
{
    private readonly TcpListener _listener;
    private readonly CancellationTokenSource _cts = new();
    private readonly List<TcpClient> _clients = [];
    private int _handshakes;

    private SilentWebSocketServer(TcpListener listener) => _listener = listener;

    public string Url => $"ws://127.0.0.1:{((IPEndPoint)_listener.LocalEndpoint).Port}/subscribe";

    public int Handshakes => Volatile.Read(ref _handshakes);

    public static Task<SilentWebSocketServer> StartAsync()
    {
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var server = new SilentWebSocketServer(listener);
        _ = server.AcceptLoopAsync();
        return Task.FromResult(server);
    }

    public ValueTask DisposeAsync()
    {
        _cts.Cancel();
        _listener.Stop();
        lock (_clients)
        {
            _clients.ForEach(c => c.Dispose());
        }

        return ValueTask.CompletedTask;
    }

    private async Task AcceptLoopAsync()
    {
        while (!_cts.IsCancellationRequested)
        {
            TcpClient client;
            try
            {
                client = await _listener.AcceptTcpClientAsync(_cts.Token);
            }
            catch (Exception ex) when (ex is OperationCanceledException or SocketException or ObjectDisposedException)
            {
                return;
            }

            lock (_clients)
            {
                _clients.Add(client);
            }

            _ = HandshakeAsync(client);
        }
    }

    private async Task HandshakeAsync(TcpClient client)
    {
        var stream = client.GetStream();
        var buffer = new byte[8192];
        var read = 0;
        while (!Encoding.ASCII.GetString(buffer, 0, read).Contains("\r\n\r\n"))
        {
            var n = await stream.ReadAsync(buffer.AsMemory(read), _cts.Token);
            if (n == 0)
            {
                return;
            }

            read += n;
        }

        var request = Encoding.ASCII.GetString(buffer, 0, read);
        var key = request.Split("\r\n").First(l => l.StartsWith("Sec-WebSocket-Key:", StringComparison.OrdinalIgnoreCase)).Split(':', 2)[1].Trim();
        var accept = Convert.ToBase64String(SHA1.HashData(Encoding.ASCII.GetBytes(key + "258EAFA5-E914-47DA-95CA-C5AB0DC85B11")));
        var response = $"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: {accept}\r\n\r\n";
        await stream.WriteAsync(Encoding.ASCII.GetBytes(response), _cts.Token);
        Interlocked.Increment(ref _handshakes);
    }
}
