using System.Buffers;

namespace Jetstream.Grains.Connection;

/// <summary>
/// Assembles a WebSocket message from its receive fragments in one pooled buffer that doubles as needed up to the
/// limit. A message larger than the limit is read to its end and dropped, so it can never become a reconnect loop
/// replaying the same frame.
/// </summary>
public sealed class FrameAssembler(int maxFrameBytes) : IDisposable
{
    private const int InitialBufferBytes = 64 * 1024;

    private byte[] _buffer = ArrayPool<byte>.Shared.Rent(InitialBufferBytes);
    private int _filled;
    private bool _discarding;

    /// <summary>Where the next fragment goes.</summary>
    public Memory<byte> Free => _buffer.AsMemory(_filled);

    /// <summary>The whole message, after <see cref="Append"/> returned <see cref="FrameProgress.Whole"/>.</summary>
    public ReadOnlyMemory<byte> Frame => _buffer.AsMemory(0, _filled);

    public FrameProgress Append(int count, bool endOfMessage)
    {
        _filled += count;
        if (!endOfMessage)
        {
            if (_filled >= maxFrameBytes)
            {
                _discarding = true;
                _filled = 0;
            }
            else if (_filled == _buffer.Length)
            {
                var larger = ArrayPool<byte>.Shared.Rent(Math.Min(maxFrameBytes, _buffer.Length * 2));
                _buffer.AsSpan(0, _filled).CopyTo(larger);
                ArrayPool<byte>.Shared.Return(_buffer);
                _buffer = larger;
            }

            return FrameProgress.Partial;
        }

        if (_discarding)
        {
            _discarding = false;
            _filled = 0;
            return FrameProgress.Oversize;
        }

        return FrameProgress.Whole;
    }

    /// <summary>Starts the next message (the previous <see cref="Frame"/> is no longer valid).</summary>
    public void Reset()
    {
        _filled = 0;
        _discarding = false;
    }

    public void Dispose()
    {
        ArrayPool<byte>.Shared.Return(_buffer);
        _buffer = [];
    }
}
