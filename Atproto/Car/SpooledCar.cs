using System.Buffers;
using Jetstream.Atproto.Cids;

namespace Jetstream.Atproto.Car;

/// <summary>
/// A CAR v1 read from a stream once and spooled to a temp file (each block behind its CID), with only an index key →
/// (offset, length) kept in memory (<see cref="BlockIndex"/>): a repository costs about 24 bytes of memory per block,
/// whatever the size of its records. Each block is checked against its CID when it is read back (<see cref="GetBlock"/>):
/// a block nothing reads is never used, so its hash is never needed (a backfill that wants one collection reads the
/// tree's nodes on the way to it and that collection's records: 40 of a row-a repository's 290 blocks). Not
/// thread-safe. The temp file is deleted on dispose.
/// </summary>
public sealed class SpooledCar : IDisposable
{
    // The spool's write buffer. Small: blocks are small, and a repository backfill runs dozens of these at once.
    private const int FileBufferBytes = 64 * 1024;

    private readonly BlockIndex _index;
    private readonly FileStream _file;
    private readonly byte[] _storedCid = new byte[Cid.ByteLength];

    private SpooledCar(IReadOnlyList<Cid> roots, BlockIndex index, FileStream file, long totalBytes)
    {
        Roots = roots;
        _index = index;
        _file = file;
        TotalBytes = totalBytes;
    }

    public IReadOnlyList<Cid> Roots { get; }

    public int BlockCount => _index.Count;

    /// <summary>Bytes of the CAR as it came in.</summary>
    public long TotalBytes { get; }

    /// <summary>How many blocks have been read back (a walk that skips subtrees reads fewer).</summary>
    public long BlocksRead { get; private set; }

    /// <summary>
    /// Reads the whole CAR from <paramref name="stream"/>. Throws <see cref="AtprotoException"/> for a malformed or
    /// truncated CAR or a block over the limits; a block that does not hash to its CID is named when it is read.
    /// </summary>
    public static async Task<SpooledCar> ReadAsync(Stream stream, CarReadOptions? options = null, CancellationToken cancellationToken = default)
    {
        options ??= CarReadOptions.Default;
        options.Validate();
        using var reader = new CarStreamReader(stream, options.MaxTotalBytes);
        var roots = await ReadHeaderAsync(reader, cancellationToken);
        var file = new FileStream(Path.Combine(options.TempDirectory, $"car-{Guid.NewGuid():N}.blocks"), FileMode.CreateNew,
            FileAccess.ReadWrite, FileShare.None, FileBufferBytes, FileOptions.DeleteOnClose);
        try
        {
            var index = await ReadBlocksAsync(reader, file, options, cancellationToken);
            await file.FlushAsync(cancellationToken);
            return new SpooledCar(roots, index, file, reader.Position);
        }
        catch
        {
            await file.DisposeAsync();
            throw;
        }
    }

    public bool Contains(Cid cid) => Locate(_index, _file, cid, _storedCid, out _, out _);

    /// <summary>
    /// The block's bytes as they came in, checked against <paramref name="cid"/>: a CID the CAR does not hold, or a
    /// block that does not hash to it, is an <see cref="AtprotoException"/> naming it.
    /// </summary>
    public byte[] GetBlock(Cid cid)
    {
        if (!Locate(_index, _file, cid, _storedCid, out var offset, out var length))
        {
            throw new AtprotoException($"CAR is missing block {cid}");
        }
        var bytes = new byte[length];
        RandomAccess.Read(_file.SafeFileHandle, bytes, offset + Cid.ByteLength);
        if (!cid.Matches(bytes))
        {
            throw new AtprotoException($"CAR block {cid} does not hash to its CID: the CAR is corrupt or forged");
        }
        BlocksRead++;
        return bytes;
    }

    public void Dispose() => _file.Dispose();

    private static async Task<IReadOnlyList<Cid>> ReadHeaderAsync(CarStreamReader reader, CancellationToken cancellationToken)
    {
        var length = await reader.ReadVarintAsync(endAllowed: false, "the header length", cancellationToken);
        if (length is 0 or > CarHeader.MaxBytes)
        {
            throw new AtprotoException($"CAR header of {length} bytes (the limit is {CarHeader.MaxBytes}): not a CAR v1");
        }
        var header = new byte[(int)length!.Value];
        await reader.ReadExactlyAsync(header, "the header", cancellationToken);
        return CarHeader.Parse(header);
    }

    private static async Task<BlockIndex> ReadBlocksAsync(
        CarStreamReader reader, FileStream file, CarReadOptions options, CancellationToken cancellationToken)
    {
        var index = new BlockIndex();
        var cidBytes = new byte[Cid.ByteLength];
        while (await reader.ReadVarintAsync(endAllowed: true, "a section length", cancellationToken) is { } sectionLength)
        {
            var sectionStart = reader.Position;
            if (sectionLength <= Cid.ByteLength || sectionLength - Cid.ByteLength > (ulong)options.MaxBlockBytes)
            {
                throw new AtprotoException(sectionLength <= Cid.ByteLength
                    ? $"CAR {Section(sectionStart)}: {sectionLength} bytes is too short for a CID and a block"
                    : $"CAR {Section(sectionStart)}: a block of {sectionLength - Cid.ByteLength} bytes is over the limit of {options.MaxBlockBytes} (MaxBlockBytes)");
            }
            await reader.ReadExactlyAsync(cidBytes, Section, sectionStart, cancellationToken);
            var cid = Cid.FromBytes(cidBytes);
            var key = BlockIndex.KeyOf(cidBytes);
            var length = (int)sectionLength - Cid.ByteLength;
            var block = ArrayPool<byte>.Shared.Rent(length);
            try
            {
                await reader.ReadExactlyAsync(block.AsMemory(0, length), static cid => $"block {cid}", cid, cancellationToken);
                if (!await IsSpooledAsync(index, file, cid, key, cancellationToken))
                {
                    index.Add(key, file.Position, length);
                    await file.WriteAsync(cidBytes, cancellationToken);
                    await file.WriteAsync(block.AsMemory(0, length), cancellationToken);
                }
            }
            finally
            {
                ArrayPool<byte>.Shared.Return(block);
            }
        }
        return index;
    }

    private static string Section(long start) => $"the section at byte {start}";

    /// <summary>
    /// Whether a block of <paramref name="cid"/> is in the spool already (a CAR may repeat one). Only a block whose key
    /// is taken needs the file, flushed first: a repeat, or another CID with the same first 8 digest bytes.
    /// </summary>
    private static async ValueTask<bool> IsSpooledAsync(BlockIndex index, FileStream file, Cid cid, ulong key, CancellationToken cancellationToken)
    {
        if (!index.Find(key).MoveNext())
        {
            return false;
        }
        await file.FlushAsync(cancellationToken);
        return Locate(index, file, cid, new byte[Cid.ByteLength], out _, out _);
    }

    /// <summary>The offset (of its CID) and length of the block of <paramref name="cid"/>, confirmed against the CID in the file.</summary>
    private static bool Locate(BlockIndex index, FileStream file, Cid cid, byte[] stored, out long offset, out int length)
    {
        Span<byte> wanted = stackalloc byte[Cid.ByteLength];
        cid.WriteBytes(wanted);
        var candidates = index.Find(BlockIndex.KeyOf(wanted));
        while (candidates.MoveNext())
        {
            RandomAccess.Read(file.SafeFileHandle, stored, candidates.Offset);
            if (wanted.SequenceEqual(stored))
            {
                offset = candidates.Offset;
                length = candidates.Length;
                return true;
            }
        }
        offset = 0;
        length = 0;
        return false;
    }
}
