using Jetstream.Atproto.Car;
using Jetstream.Atproto.Cids;

namespace Jetstream.Atproto.Tests.Car;

public sealed class BlockIndexTests
{
    [Fact]
    public void Every_block_added_is_found_across_growth_and_chunks_and_no_other_is()
    {
        var index = new BlockIndex();
        var cids = Enumerable.Range(0, 100_000).Select(i => Cid.Compute(i % 3 == 0 ? Cid.RawCodec : Cid.DagCborCodec, BitConverter.GetBytes(i))).ToList();
        for (var i = 0; i < cids.Count; i++)
        {
            Assert.True(index.TryAdd(cids[i], i * 10L, i));
        }
        Assert.False(index.TryAdd(cids[500], 1, 1));
        Assert.Equal(100_000, index.Count);
        for (var i = 0; i < cids.Count; i++)
        {
            Assert.True(index.TryGet(cids[i], out var offset, out var length));
            Assert.Equal((i * 10L, i), (offset, length));
        }
        Assert.False(index.TryGet(Cid.Compute(Cid.DagCborCodec, "absent"u8), out _, out _));
        // Same digest, other codec: another CID.
        Assert.False(index.TryGet(Cid.Compute(Cid.RawCodec, BitConverter.GetBytes(1)), out _, out _));
    }
}
