using System.Buffers;
using Jetstream.Atproto.Cids;

namespace Jetstream.Atproto.Car;

/// <summary>
/// A CAR v1 read from a stream once and spooled (each block behind its CID; <see cref="BlockSpool"/>: in memory up to
/// <see cref="CarReadOptions.MemoryBytes"/>, past that in a temp file), with an index key → (offset, length)
/// (<see cref="BlockIndex"/>): a large repository costs about 24 bytes of memory per block, whatever the size of its
/// records. Each block is checked against its CID when it is read back (<see cref="GetBlock"/>):
/// a block nothing reads is never used, so its hash is never needed (a backfill that wants one collection reads the
/// tree's nodes on the way to it and that collection's records: 40 of a row-a repository's 290 blocks). Not
/// thread-safe. The temp file is deleted on dispose.
/// </summary>
public sealed class SpooledCar : IDisposable
{
    private readonly BlockIndex _index;
    private readonly BlockSpool _spool;
    private readonly byte[] _storedCid = new byte[Cid.ByteLength];

    private SpooledCar(IReadOnlyList<Cid> roots, BlockIndex index, BlockSpool spool, long totalBytes)
    {
        Roots = roots;
        _index = index;
        _spool = spool;
        TotalBytes = totalBytes;
    }

    public IReadOnlyList<Cid> Roots { get; }

    public int BlockCount => _index.Count;

    /// <summary>Bytes of the CAR as it came in.</summary>
    public long TotalBytes { get; }

    /// <summary>Whether the blocks went to a temp file (more than <see cref="CarReadOptions.MemoryBytes"/> of them).</summary>
    public bool OnDisk => _spool.OnDisk;

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
        var spool = new BlockSpool(options);
        try
        {
            var index = await ReadBlocksAsync(reader, spool, options, cancellationToken);
            await spool.FlushAsync(cancellationToken);
            return new SpooledCar(roots, index, spool, reader.Position);
        }
        catch
        {
            spool.Dispose();
            throw;
        }
    }

    public bool Contains(Cid cid) => Locate(_index, _spool, cid, _storedCid, out _, out _);

    /// <summary>
    /// The block's bytes as they came in, checked against <paramref name="cid"/>: a CID the CAR does not hold, or a
    /// block that does not hash to it, is an <see cref="AtprotoException"/> naming it.
    /// </summary>
    public byte[] GetBlock(Cid cid)
    {
        if (!Locate(_index, _spool, cid, _storedCid, out var offset, out var length))
        {
            throw new AtprotoException($"CAR is missing block {cid}");
        }
        var bytes = new byte[length];
        _spool.Read(offset + Cid.ByteLength, bytes);
        if (!cid.Matches(bytes))
        {
            throw new AtprotoException($"CAR block {cid} does not hash to its CID: the CAR is corrupt or forged");
        }
        BlocksRead++;
        return bytes;
    }

    public void Dispose() => _spool.Dispose();

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
        CarStreamReader reader, BlockSpool spool, CarReadOptions options, CancellationToken cancellationToken)
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
                if (!await IsSpooledAsync(index, spool, cid, key, cancellationToken))
                {
                    index.Add(key, spool.Position, length);
                    await spool.WriteAsync(cidBytes, cancellationToken);
                    await spool.WriteAsync(block.AsMemory(0, length), cancellationToken);
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
    /// is taken needs the spool, flushed first: a repeat, or another CID with the same first 8 digest bytes.
    /// </summary>
    private static async ValueTask<bool> IsSpooledAsync(BlockIndex index, BlockSpool spool, Cid cid, ulong key, CancellationToken cancellationToken)
    {
        if (!index.Find(key).MoveNext())
        {
            return false;
        }
        await spool.FlushAsync(cancellationToken);
        return Locate(index, spool, cid, new byte[Cid.ByteLength], out _, out _);
    }

    /// <summary>The offset (of its CID) and length of the block of <paramref name="cid"/>, confirmed against the CID in the spool.</summary>
    private static bool Locate(BlockIndex index, BlockSpool spool, Cid cid, byte[] stored, out long offset, out int length)
    {
        Span<byte> wanted = stackalloc byte[Cid.ByteLength];
        cid.WriteBytes(wanted);
        var candidates = index.Find(BlockIndex.KeyOf(wanted));
        while (candidates.MoveNext())
        {
            spool.Read(candidates.Offset, stored);
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
