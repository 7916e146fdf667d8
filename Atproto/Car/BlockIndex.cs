using System.Buffers.Binary;
using Jetstream.Atproto.Cids;

namespace Jetstream.Atproto.Car;

/// <summary>
/// Where the blocks of a spooled CAR are: a key (the first 8 bytes of the CID's digest) → the block's offset and length
/// in the spool file, 16 bytes a block. The CID itself stays in the file, in front of its block, so the caller confirms a
/// candidate there (<see cref="SpooledCar"/>): two CIDs that share a key are both kept and told apart by the file. A full
/// CID in memory cost 40 bytes more a block, 50 MB for a million-record repository (docs/performance.md, row c).
/// The entries live in fixed-size chunks (but the first, which doubles up to one), so growing past a chunk never copies
/// them, and are found through an open-addressing table
/// of entry numbers, so growing copies 4 bytes a slot; a <see cref="Dictionary{TKey,TValue}"/> copies every entry when
/// it grows, holding old and new at once.
/// </summary>
internal sealed class BlockIndex
{
    /// <summary>The largest block length an entry holds (24 bits).</summary>
    public const int MaxLength = (1 << LengthBits) - 1;

    /// <summary>The largest offset an entry holds (40 bits: a terabyte).</summary>
    public const long MaxOffset = (1L << (64 - LengthBits)) - 1;

    private const int LengthBits = 24;

    // 16,384 entries of 16 bytes: 256 KiB a chunk, below the large-object heap's threshold.
    private const int ChunkBits = 14;
    private const int ChunkSize = 1 << ChunkBits;
    private const int FirstChunkSize = 256;
    private readonly List<Entry[]> _chunks = [];

    // Entry number + 1 for each used slot, 0 for a free one; kept at most half full.
    private int[] _slots = new int[1024];

    public int Count { get; private set; }

    public static ulong KeyOf(in Cid cid)
    {
        Span<byte> bytes = stackalloc byte[Cid.ByteLength];
        cid.WriteBytes(bytes);
        return KeyOf(bytes);
    }

    /// <summary>The key of a CID's binary form: its digest's first 8 bytes (after version, codec, hash code, length).</summary>
    public static ulong KeyOf(ReadOnlySpan<byte> cidBytes) => BinaryPrimitives.ReadUInt64LittleEndian(cidBytes[4..]);

    /// <summary>Adds a block; the caller has made sure the file holds no block of the same CID.</summary>
    public void Add(ulong key, long offset, int length)
    {
        if ((ulong)offset > MaxOffset || (uint)length > MaxLength)
        {
            throw new ArgumentOutOfRangeException(nameof(offset), $"A block index entry holds offsets up to {MaxOffset} and lengths up to {MaxLength}.");
        }
        if ((Count + 1) * 2 > _slots.Length)
        {
            Grow();
        }
        var chunk = Count >> ChunkBits;
        if (chunk == _chunks.Count)
        {
            // The first chunk starts small and doubles up to a full one (most repositories are a few hundred blocks:
            // a 256 KiB chunk each was a third of the Silo's allocations in bench row a); the later ones are full.
            _chunks.Add(new Entry[chunk == 0 ? FirstChunkSize : ChunkSize]);
        }
        else if ((Count & (ChunkSize - 1)) == _chunks[chunk].Length)
        {
            var grown = new Entry[_chunks[chunk].Length * 2];
            _chunks[chunk].CopyTo(grown, 0);
            _chunks[chunk] = grown;
        }
        At(Count) = new Entry(key, ((ulong)offset << LengthBits) | (uint)length);
        _slots[FreeSlot(_slots, key)] = ++Count;
    }

    /// <summary>The blocks whose key is <paramref name="key"/> (usually none or one), in the order they were added.</summary>
    public Candidates Find(ulong key) => new(this, key);

    private static int FreeSlot(int[] slots, ulong key)
    {
        var mask = slots.Length - 1;
        var i = (int)key & mask;
        while (slots[i] != 0)
        {
            i = (i + 1) & mask;
        }
        return i;
    }

    private void Grow()
    {
        var slots = new int[_slots.Length * 2];
        for (var n = 0; n < Count; n++)
        {
            slots[FreeSlot(slots, At(n).Key)] = n + 1;
        }
        _slots = slots;
    }

    private ref Entry At(int number) => ref _chunks[number >> ChunkBits][number & (ChunkSize - 1)];

    private readonly record struct Entry(ulong Key, ulong Location);

    /// <summary>Walks the probe sequence of one key; not valid once the index changes.</summary>
    public struct Candidates(BlockIndex index, ulong key)
    {
        private int _slot = (int)key & (index._slots.Length - 1);

        public long Offset { get; private set; }

        public int Length { get; private set; }

        public bool MoveNext()
        {
            var slots = index._slots;
            var mask = slots.Length - 1;
            for (; slots[_slot] != 0; _slot = (_slot + 1) & mask)
            {
                ref var entry = ref index.At(slots[_slot] - 1);
                if (entry.Key == key)
                {
                    Offset = (long)(entry.Location >> LengthBits);
                    Length = (int)(entry.Location & MaxLength);
                    _slot = (_slot + 1) & mask;
                    return true;
                }
            }
            return false;
        }
    }
}
