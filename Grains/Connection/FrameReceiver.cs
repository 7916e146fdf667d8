using System.Net.WebSockets;

namespace Jetstream.Grains.Connection;

/// <summary>
/// Reads whole frames off the open socket. A receive that has not completed is kept for the next call, so the reader
/// learns at once that nothing is buffered (and writes what it holds meanwhile) without giving the receive up;
/// fragments are assembled (<see cref="FrameAssembler"/>), then decompressed and read by the wire (<see cref="FrameReading"/>).
/// A frame stays valid until the next call.
/// </summary>
public sealed class FrameReceiver(int maxFrameBytes, ConnectionTracker track, TimeProvider time) : IDisposable
{
    private readonly FrameAssembler _assembler = new(maxFrameBytes);
    private ValueTask<ValueWebSocketReceiveResult>? _pending;

    public async ValueTask<(ReceiveOutcome Outcome, WireFrame Frame)> ReceiveAsync(
        WebSocket socket, ZstdFrameDecoder? decoder, IJetstreamWire wire, CancellationToken session)
    {
        while (true)
        {
            ValueTask<ValueWebSocketReceiveResult> receive;
            if (_pending is { } pending)
            {
                _pending = null;
                receive = pending;
            }
            else
            {
                receive = socket.ReceiveAsync(_assembler.Free, session);
                if (!receive.IsCompleted)
                {
                    _pending = receive;
                    return (ReceiveOutcome.Idle, default);
                }
            }

            var result = await receive;
            track.Received(time.GetUtcNow(), result.Count);
            if (result.MessageType == WebSocketMessageType.Close)
            {
                return (ReceiveOutcome.Closed, default);
            }

            var progress = _assembler.Append(result.Count, result.EndOfMessage);
            if (progress == FrameProgress.Partial)
            {
                continue;
            }

            var frame = progress == FrameProgress.Oversize
                ? new WireFrame(WireFrameKind.Oversize, default, default)
                : FrameReading.Read(_assembler.Frame, result.MessageType, decoder, wire, track);
            _assembler.Reset();
            return (ReceiveOutcome.Frame, frame);
        }
    }

    /// <summary>The socket is gone: a kept receive and a partly assembled frame with it.</summary>
    public void Reset()
    {
        _pending = null;
        _assembler.Reset();
    }

    public void Dispose() => _assembler.Dispose();
}
