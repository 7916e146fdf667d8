using System.Buffers;
using System.Net.WebSockets;

namespace Jetstream.Emulator;

/// <summary>Reads whole client messages until the client's close frame; a message over 10 MB is reported but not kept.</summary>
internal static class ClientMessageReader
{
    // [L] server.go ignores client frames over 10,000,000 bytes.
    public const int MaxMessageBytes = 10_000_000;

    public delegate void MessageHandler(WebSocketMessageType type, ReadOnlySpan<byte> message, bool tooBig);

    /// <summary>Returns when the client sends a close frame; throws when the connection is lost.</summary>
    public static async Task ReadAsync(WebSocket socket, MessageHandler onMessage)
    {
        var buffer = ArrayPool<byte>.Shared.Rent(64 * 1024);
        var message = new ArrayBufferWriter<byte>();
        var tooBig = false;
        try
        {
            while (true)
            {
                var result = await socket.ReceiveAsync(buffer.AsMemory(), CancellationToken.None);
                if (result.MessageType == WebSocketMessageType.Close)
                {
                    return;
                }

                tooBig |= message.WrittenCount + result.Count > MaxMessageBytes;
                if (!tooBig)
                {
                    message.Write(buffer.AsSpan(0, result.Count));
                }

                if (result.EndOfMessage)
                {
                    onMessage(result.MessageType, tooBig ? default : message.WrittenSpan, tooBig);
                    message.ResetWrittenCount();
                    tooBig = false;
                }
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }
}
