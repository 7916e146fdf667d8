using System.Buffers;

namespace Jetstream.Atproto.Car;

/// <summary>
/// Where a <see cref="SpooledCar"/> keeps its blocks: in a pooled buffer while they total at most
/// <see cref="CarReadOptions.MemoryBytes"/>, then in a temp file (what was in memory copied over once). Most repositories
/// are a few hundred KiB or less and never touch the disk: no file made, read back block by block and deleted per
/// repository; a large one costs the file as before, and memory only for the index. Not thread-safe.
/// </summary>
internal sealed class BlockSpool : IDisposable
{
    // The file's write buffer. Small: blocks are small, and a repository backfill runs dozens of these at once.
    private const int FileBufferBytes = 64 * 1024;
    private const int FirstBufferBytes = 64 * 1024;

    private readonly CarReadOptions _options;
    private byte[]? _buffer;
    private FileStream? _file;

    public BlockSpool(CarReadOptions options) => _options = options;

    /// <summary>Bytes written so far: where the next write lands.</summary>
    public long Position { get; private set; }

    /// <summary>Whether the blocks went to a file (the repository passed <see cref="CarReadOptions.MemoryBytes"/>).</summary>
    public bool OnDisk => _file is not null;

    public async ValueTask WriteAsync(ReadOnlyMemory<byte> bytes, CancellationToken cancellationToken)
    {
        if (_file is null && Position + bytes.Length <= _options.MemoryBytes)
        {
            Grow(Position + bytes.Length);
            bytes.Span.CopyTo(_buffer.AsSpan((int)Position));
            Position += bytes.Length;
            return;
        }

        if (_file is null)
        {
            _file = new FileStream(Path.Combine(_options.TempDirectory, $"car-{Guid.NewGuid():N}.blocks"), FileMode.CreateNew,
                FileAccess.ReadWrite, FileShare.None, FileBufferBytes, FileOptions.DeleteOnClose);
            if (_buffer is not null)
            {
                await _file.WriteAsync(_buffer.AsMemory(0, (int)Position), cancellationToken);
                ReturnBuffer();
            }
        }

        await _file.WriteAsync(bytes, cancellationToken);
        Position += bytes.Length;
    }

    /// <summary>Makes what was written readable by <see cref="Read"/> (the file's buffer written out).</summary>
    public ValueTask FlushAsync(CancellationToken cancellationToken) =>
        _file is null ? ValueTask.CompletedTask : new ValueTask(_file.FlushAsync(cancellationToken));

    /// <summary>Fills <paramref name="destination"/> from <paramref name="offset"/> (written and flushed before).</summary>
    public void Read(long offset, Span<byte> destination)
    {
        if (_file is null)
        {
            _buffer.AsSpan((int)offset, destination.Length).CopyTo(destination);
            return;
        }

        if (RandomAccess.Read(_file.SafeFileHandle, destination, offset) != destination.Length)
        {
            throw new AtprotoException($"the CAR's spool file ended before byte {offset + destination.Length}");
        }
    }

    public void Dispose()
    {
        ReturnBuffer();
        _file?.Dispose();
    }

    private void Grow(long needed)
    {
        if (_buffer is not null && needed <= _buffer.Length)
        {
            return;
        }

        var size = (int)Math.Min(_options.MemoryBytes, Math.Max(needed, _buffer is null ? FirstBufferBytes : _buffer.Length * 2L));
        var grown = ArrayPool<byte>.Shared.Rent(size);
        if (_buffer is not null)
        {
            _buffer.AsSpan(0, (int)Position).CopyTo(grown);
            ArrayPool<byte>.Shared.Return(_buffer);
        }

        _buffer = grown;
    }

    private void ReturnBuffer()
    {
        if (_buffer is not null)
        {
            ArrayPool<byte>.Shared.Return(_buffer);
            _buffer = null;
        }
    }
}
