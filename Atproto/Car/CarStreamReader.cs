using System.Buffers;

namespace Jetstream.Atproto.Car;

/// <summary>
/// Reads a CAR's varints and byte runs from a stream (an HTTP response body) through one small buffer, counting
/// every byte against the total limit before it is read, so an oversized CAR stops at the limit.
/// </summary>
internal sealed class CarStreamReader(Stream stream, long maxTotalBytes) : IDisposable
{
    // Pooled: one a repository, dozens of repositories a second in a backfill (bench row a: a fifth of the Silo's bytes allocated).
    private byte[] _buffer = ArrayPool<byte>.Shared.Rent(64 * 1024);
    private int _start;
    private int _end;

    public long Position { get; private set; }

    /// <summary>An unsigned LEB128 varint, minimally encoded; null at a clean end of the stream if <paramref name="endAllowed"/>.</summary>
    public async ValueTask<ulong?> ReadVarintAsync(bool endAllowed, string what, CancellationToken cancellationToken)
    {
        ulong value = 0;
        for (var i = 0; ; i++)
        {
            if (_start == _end && !await FillAsync(cancellationToken))
            {
                if (i == 0 && endAllowed)
                {
                    return null;
                }
                throw Truncated(what);
            }
            var b = _buffer[_start++];
            Count(1);
            if (i == 9)
            {
                throw new AtprotoException($"CAR {what} at byte {Position}: varint longer than 9 bytes");
            }
            value |= (ulong)(b & 0x7F) << (7 * i);
            if ((b & 0x80) == 0)
            {
                if (i > 0 && b == 0)
                {
                    throw new AtprotoException($"CAR {what} at byte {Position}: varint not minimally encoded");
                }
                return value;
            }
        }
    }

    /// <summary>Fills <paramref name="destination"/> or throws naming what was cut off.</summary>
    public ValueTask ReadExactlyAsync(Memory<byte> destination, string what, CancellationToken cancellationToken) =>
        ReadExactlyAsync(destination, static what => what, what, cancellationToken);

    /// <summary>
    /// Fills <paramref name="destination"/> or throws naming what was cut off, the name made from
    /// <paramref name="state"/> only then: a CAR has a section per block, and naming each one up front (its CID in
    /// base32) cost more than reading it.
    /// </summary>
    public async ValueTask ReadExactlyAsync<TState>(Memory<byte> destination, Func<TState, string> what, TState state, CancellationToken cancellationToken)
    {
        Count(destination.Length);
        var fromBuffer = Math.Min(destination.Length, _end - _start);
        _buffer.AsMemory(_start, fromBuffer).CopyTo(destination);
        _start += fromBuffer;
        var rest = destination[fromBuffer..];
        if (rest.Length == 0)
        {
            return;
        }
        if (rest.Length >= _buffer.Length)
        {
            if (await stream.ReadAtLeastAsync(rest, rest.Length, throwOnEndOfStream: false, cancellationToken) < rest.Length)
            {
                throw Truncated(what(state));
            }
            return;
        }
        while (rest.Length > 0)
        {
            if (!await FillAsync(cancellationToken))
            {
                throw Truncated(what(state));
            }
            var n = Math.Min(rest.Length, _end - _start);
            _buffer.AsMemory(_start, n).CopyTo(rest);
            _start += n;
            rest = rest[n..];
        }
    }

    private async ValueTask<bool> FillAsync(CancellationToken cancellationToken)
    {
        _start = 0;
        _end = await stream.ReadAsync(_buffer, cancellationToken);
        return _end > 0;
    }

    private void Count(int bytes)
    {
        Position += bytes;
        if (Position > maxTotalBytes)
        {
            throw new AtprotoException($"CAR is larger than the limit of {maxTotalBytes} bytes (MaxTotalBytes)");
        }
    }

    private static AtprotoException Truncated(string what) => new($"CAR is truncated: it ends inside {what}");

    public void Dispose()
    {
        var buffer = _buffer;
        _buffer = [];
        if (buffer.Length > 0)
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }
}
