using Jetstream.Atproto.Cids;

namespace Jetstream.Atproto.Car;

/// <summary>
/// CID → (offset, length) of the blocks of a spooled CAR. The entries live in fixed-size chunks, so growing never
/// copies them, and are found through an open-addressing table of entry numbers, so growing copies 4 bytes a slot.
/// A <see cref="Dictionary{TKey,TValue}"/> copies every entry when it grows, holding old and new at once: for a
/// million-block repository that moment alone would cost more than the index itself.
/// </summary>
internal sealed class BlockIndex
{
    private const int ChunkBits = 14;
    private const int ChunkSize = 1 << ChunkBits;
    private readonly List<Entry[]> _chunks = [];

    // Entry number + 1 for each used slot, 0 for a free one; kept at most half full.
    private int[] _slots = new int[1024];

    public int Count { get; private set; }

    /// <summary>Adds a block; false (and nothing changed) if the CID is already there.</summary>
    public bool TryAdd(Cid cid, long offset, int length)
    {
        if ((Count + 1) * 2 > _slots.Length)
        {
            Grow();
        }
        var mask = _slots.Length - 1;
        for (var i = (int)(uint)cid.GetHashCode() & mask; ; i = (i + 1) & mask)
        {
            if (_slots[i] == 0)
            {
                if ((Count & (ChunkSize - 1)) == 0)
                {
                    _chunks.Add(new Entry[ChunkSize]);
                }
                At(Count) = new Entry(cid, offset, length);
                _slots[i] = ++Count;
                return true;
            }
            if (At(_slots[i] - 1).Cid == cid)
            {
                return false;
            }
        }
    }

    public bool TryGet(Cid cid, out long offset, out int length)
    {
        var mask = _slots.Length - 1;
        for (var i = (int)(uint)cid.GetHashCode() & mask; _slots[i] != 0; i = (i + 1) & mask)
        {
            ref var entry = ref At(_slots[i] - 1);
            if (entry.Cid == cid)
            {
                offset = entry.Offset;
                length = entry.Length;
                return true;
            }
        }
        offset = 0;
        length = 0;
        return false;
    }

    private void Grow()
    {
        var slots = new int[_slots.Length * 2];
        var mask = slots.Length - 1;
        for (var n = 0; n < Count; n++)
        {
            var i = (int)(uint)At(n).Cid.GetHashCode() & mask;
            while (slots[i] != 0)
            {
                i = (i + 1) & mask;
            }
            slots[i] = n + 1;
        }
        _slots = slots;
    }

    private ref Entry At(int number) => ref _chunks[number >> ChunkBits][number & (ChunkSize - 1)];

    private readonly record struct Entry(Cid Cid, long Offset, int Length);
}
