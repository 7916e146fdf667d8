using System.Net.Sockets;
using System.Text;

namespace Jetstream.Emulator.Tests;

/// <summary>
/// A minimal WebSocket client over a plain TCP socket, used where <see cref="System.Net.WebSockets.ClientWebSocket"/>
/// hides what a test must see: control frames such as pings.
/// </summary>
public sealed class RawWebSocket : IDisposable
{
    private readonly TcpClient _tcp;
    private readonly NetworkStream _stream;

    private RawWebSocket(TcpClient tcp)
    {
        _tcp = tcp;
        _stream = tcp.GetStream();
    }

    public static async Task<RawWebSocket> ConnectAsync(Uri baseUri, string pathAndQuery)
    {
        var tcp = new TcpClient();
        await tcp.ConnectAsync(baseUri.Host, baseUri.Port);
        var socket = new RawWebSocket(tcp);
        var request = $"GET {pathAndQuery} HTTP/1.1\r\nHost: {baseUri.Authority}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
            + "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n";
        await socket._stream.WriteAsync(Encoding.ASCII.GetBytes(request));
        var head = await socket.ReadHeadAsync();
        if (!head.StartsWith("HTTP/1.1 101", StringComparison.Ordinal))
        {
            socket.Dispose();
            throw new InvalidOperationException($"Upgrade refused: {head}");
        }

        return socket;
    }

    /// <summary>Reads the next frame header and payload: returns the opcode (1 text, 2 binary, 8 close, 9 ping, 10 pong).</summary>
    public async Task<(int Opcode, byte[] Payload)> ReadFrameAsync(CancellationToken cancellationToken)
    {
        var header = await ReadExactlyAsync(2, cancellationToken);
        var opcode = header[0] & 0x0F;
        long length = header[1] & 0x7F;
        if (length == 126)
        {
            var extended = await ReadExactlyAsync(2, cancellationToken);
            length = (extended[0] << 8) | extended[1];
        }
        else if (length == 127)
        {
            var extended = await ReadExactlyAsync(8, cancellationToken);
            length = extended.Aggregate(0L, (acc, b) => (acc << 8) | b);
        }

        return (opcode, await ReadExactlyAsync((int)length, cancellationToken));
    }

    public void Dispose()
    {
        _stream.Dispose();
        _tcp.Dispose();
    }

    private async Task<string> ReadHeadAsync()
    {
        var bytes = new List<byte>();
        while (bytes.Count < 4 || !(bytes[^4] == '\r' && bytes[^3] == '\n' && bytes[^2] == '\r' && bytes[^1] == '\n'))
        {
            bytes.Add((await ReadExactlyAsync(1, CancellationToken.None))[0]);
        }

        return Encoding.ASCII.GetString(bytes.ToArray());
    }

    private async Task<byte[]> ReadExactlyAsync(int count, CancellationToken cancellationToken)
    {
        var buffer = new byte[count];
        await _stream.ReadExactlyAsync(buffer, cancellationToken);
        return buffer;
    }
}
