using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;
using System.Net.WebSockets;
using System.Security.Cryptography;
using System.Text;

namespace Jetstream.TestSupport;

/// <summary>
/// A WebSocket server on a raw socket that sends each message in fragments split at the byte offsets a test names
/// (RFC 6455 §5.4: a text message may be cut anywhere, inside a UTF-8 character too); a client's receive returns at
/// most one fragment, so each cut is a receive boundary. A pause after each fragment also lets the client wait for
/// the next one, as it does on a slow network. Kestrel's and the emulator's senders never fragment, so only a server of our own
/// puts a fragment boundary exactly inside a character. It answers pings and ignores every other client frame.
/// </summary>
public sealed class FragmentingWebSocketServer : IAsyncDisposable
{
    private readonly TcpListener _listener;
    private readonly CancellationTokenSource _cts = new();
    private readonly SemaphoreSlim _connected = new(0);
    private readonly SemaphoreSlim _writeLock = new(1, 1);
    private NetworkStream? _stream;

    private FragmentingWebSocketServer(TcpListener listener) => _listener = listener;

    /// <summary>The server's address with <paramref name="pathAndQuery"/>; it serves every path the same way.</summary>
    public Uri UriFor(string pathAndQuery) => new($"ws://127.0.0.1:{((IPEndPoint)_listener.LocalEndpoint).Port}{pathAndQuery}");

    public static FragmentingWebSocketServer Start()
    {
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var server = new FragmentingWebSocketServer(listener);
        _ = server.AcceptLoopAsync();
        return server;
    }

    /// <summary>Waits for a client to finish the handshake (the latest connection is the one messages go to).</summary>
    public async Task WaitForClientAsync(TimeSpan timeout)
    {
        if (!await _connected.WaitAsync(timeout))
        {
            throw new TimeoutException($"No WebSocket client connected within {timeout}.");
        }
    }

    /// <summary>Sends <paramref name="payload"/> as one message cut at each of <paramref name="splitAt"/>, pausing after each fragment.</summary>
    public async Task SendAsync(ReadOnlyMemory<byte> payload, WebSocketMessageType type, IReadOnlyList<int> splitAt, TimeSpan pause)
    {
        var stream = _stream ?? throw new InvalidOperationException("No client is connected.");
        var bounds = splitAt.Where(o => o > 0 && o < payload.Length).Distinct().Order().Append(payload.Length).ToArray();
        var start = 0;
        for (var i = 0; i < bounds.Length; i++)
        {
            var opcode = i == 0 ? (type == WebSocketMessageType.Text ? 0x1 : 0x2) : 0x0;
            await WriteFrameAsync(stream, opcode, fin: i == bounds.Length - 1, payload[start..bounds[i]]);
            start = bounds[i];
            if (pause > TimeSpan.Zero)
            {
                await Task.Delay(pause);
            }
        }
    }

    public ValueTask DisposeAsync()
    {
        _cts.Cancel();
        _listener.Stop();
        _stream?.Dispose();
        return ValueTask.CompletedTask;
    }

    private async Task WriteFrameAsync(NetworkStream stream, int opcode, bool fin, ReadOnlyMemory<byte> payload)
    {
        // Server frames are unmasked (RFC 6455 §5.1); the length takes 7 bits, or 16 or 64 after a marker.
        var header = new byte[10];
        header[0] = (byte)((fin ? 0x80 : 0) | opcode);
        int headerLength;
        if (payload.Length < 126)
        {
            header[1] = (byte)payload.Length;
            headerLength = 2;
        }
        else if (payload.Length <= ushort.MaxValue)
        {
            header[1] = 126;
            BinaryPrimitives.WriteUInt16BigEndian(header.AsSpan(2), (ushort)payload.Length);
            headerLength = 4;
        }
        else
        {
            header[1] = 127;
            BinaryPrimitives.WriteUInt64BigEndian(header.AsSpan(2), (ulong)payload.Length);
            headerLength = 10;
        }

        await _writeLock.WaitAsync(_cts.Token);
        try
        {
            await stream.WriteAsync(header.AsMemory(0, headerLength), _cts.Token);
            await stream.WriteAsync(payload, _cts.Token);
            await stream.FlushAsync(_cts.Token);
        }
        finally
        {
            _writeLock.Release();
        }
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

            client.NoDelay = true;
            _ = ServeAsync(client);
        }
    }

    private async Task ServeAsync(TcpClient client)
    {
        using var _ = client;
        var stream = client.GetStream();
        try
        {
            await HandshakeAsync(stream);
            _stream = stream;
            _connected.Release();
            await ReadClientFramesAsync(stream);
        }
        catch (Exception ex) when (ex is IOException or OperationCanceledException or ObjectDisposedException or SocketException)
        {
        }
    }

    private async Task HandshakeAsync(NetworkStream stream)
    {
        var request = new StringBuilder();
        var one = new byte[1];
        while (!request.ToString().EndsWith("\r\n\r\n", StringComparison.Ordinal))
        {
            // Byte by byte, so nothing after the request's end is consumed here.
            if (await stream.ReadAsync(one, _cts.Token) == 0)
            {
                throw new IOException("Closed during the handshake.");
            }

            request.Append((char)one[0]);
        }

        var key = request.ToString().Split("\r\n").First(l => l.StartsWith("Sec-WebSocket-Key:", StringComparison.OrdinalIgnoreCase)).Split(':', 2)[1].Trim();
        var accept = Convert.ToBase64String(SHA1.HashData(Encoding.ASCII.GetBytes(key + "258EAFA5-E914-47DA-95CA-C5AB0DC85B11")));
        var response = $"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: {accept}\r\n\r\n";
        await stream.WriteAsync(Encoding.ASCII.GetBytes(response), _cts.Token);
    }

    private async Task ReadClientFramesAsync(NetworkStream stream)
    {
        var header = new byte[14];
        while (true)
        {
            await stream.ReadExactlyAsync(header.AsMemory(0, 2), _cts.Token);
            var opcode = header[0] & 0x0F;
            long length = header[1] & 0x7F;
            if (length == 126)
            {
                await stream.ReadExactlyAsync(header.AsMemory(2, 2), _cts.Token);
                length = BinaryPrimitives.ReadUInt16BigEndian(header.AsSpan(2));
            }
            else if (length == 127)
            {
                await stream.ReadExactlyAsync(header.AsMemory(2, 8), _cts.Token);
                length = (long)BinaryPrimitives.ReadUInt64BigEndian(header.AsSpan(2));
            }

            // Client frames are always masked (RFC 6455 §5.3).
            var mask = new byte[4];
            await stream.ReadExactlyAsync(mask, _cts.Token);
            var payload = new byte[length];
            await stream.ReadExactlyAsync(payload, _cts.Token);
            for (var i = 0; i < payload.Length; i++)
            {
                payload[i] ^= mask[i % 4];
            }

            if (opcode == 0x9)
            {
                await WriteFrameAsync(stream, 0xA, fin: true, payload);
            }
            else if (opcode == 0x8)
            {
                return;
            }
        }
    }
}
