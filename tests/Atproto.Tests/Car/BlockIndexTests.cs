using Jetstream.Atproto.Car;
using Jetstream.Atproto.Cids;

namespace Jetstream.Atproto.Tests.Car;

public sealed class BlockIndexTests
{
    [Fact]
    public void Every_block_added_is_found_by_its_key_across_growth_and_chunks_and_no_other_is()
    {
        var index = new BlockIndex();
        var keys = Enumerable.Range(0, 100_000).Select(i => BlockIndex.KeyOf(Cid.Compute(Cid.DagCborCodec, BitConverter.GetBytes(i)))).ToList();
        for (var i = 0; i < keys.Count; i++)
        {
            index.Add(keys[i], i * 10L, i);
        }
        Assert.Equal(100_000, index.Count);
        for (var i = 0; i < keys.Count; i++)
        {
            var found = index.Find(keys[i]);
            Assert.True(found.MoveNext());
            Assert.Equal((i * 10L, i), (found.Offset, found.Length));
            Assert.False(found.MoveNext());
        }
        Assert.False(index.Find(BlockIndex.KeyOf(Cid.Compute(Cid.DagCborCodec, "absent"u8))).MoveNext());
    }

    [Fact]
    public void Blocks_that_share_a_key_are_all_kept_in_the_order_added()
    {
        // The same bytes as raw and as dag-cbor: one digest, so one key, two CIDs.
        var key = BlockIndex.KeyOf(Cid.Compute(Cid.RawCodec, "same"u8));
        Assert.Equal(key, BlockIndex.KeyOf(Cid.Compute(Cid.DagCborCodec, "same"u8)));
        var index = new BlockIndex();
        index.Add(key, 0, 4);
        index.Add(BlockIndex.KeyOf(Cid.Compute(Cid.RawCodec, "other"u8)), 40, 5);
        index.Add(key, 81, 4);
        var found = index.Find(key);
        Assert.True(found.MoveNext());
        Assert.Equal((0L, 4), (found.Offset, found.Length));
        Assert.True(found.MoveNext());
        Assert.Equal((81L, 4), (found.Offset, found.Length));
        Assert.False(found.MoveNext());
    }

    [Fact]
    public void An_offset_or_length_past_what_an_entry_holds_is_refused()
    {
        var index = new BlockIndex();
        Assert.Throws<ArgumentOutOfRangeException>(() => index.Add(1, BlockIndex.MaxOffset + 1, 1));
        Assert.Throws<ArgumentOutOfRangeException>(() => index.Add(1, 0, BlockIndex.MaxLength + 1));
        index.Add(1, BlockIndex.MaxOffset, BlockIndex.MaxLength);
        var found = index.Find(1);
        Assert.True(found.MoveNext());
        Assert.Equal((BlockIndex.MaxOffset, BlockIndex.MaxLength), (found.Offset, found.Length));
    }
}
