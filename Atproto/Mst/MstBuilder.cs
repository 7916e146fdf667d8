using Jetstream.Atproto.Cids;

namespace Jetstream.Atproto.Mst;

/// <summary>
/// Builds the tree of a set of keys at once, the shape the reference produces: the root at the greatest key
/// height, each node holding the keys of its height, and the keys between them in subtrees one level down (a level
/// with no key of its own is a node with only a left pointer).
/// </summary>
internal static class MstBuilder
{
    /// <summary>Returns the root's CID, adding every node's block to <paramref name="blocks"/>.</summary>
    public static Cid Build(IReadOnlyList<(byte[] Key, Cid Value)> sortedEntries, List<(Cid Cid, byte[] Block)> blocks)
    {
        var heights = sortedEntries.Select(e => MstKey.Height(e.Key)).ToArray();
        var top = heights.Length == 0 ? 0 : heights.Max();
        return Node(sortedEntries, heights, 0, sortedEntries.Count, top, blocks);
    }

    private static Cid Node(IReadOnlyList<(byte[] Key, Cid Value)> entries, int[] heights, int from, int to, int height, List<(Cid, byte[])> blocks)
    {
        Cid? left = null;
        var nodeEntries = new List<MstEntry>();
        var runStart = from;
        for (var i = from; i <= to; i++)
        {
            if (i < to && heights[i] < height)
            {
                continue;
            }
            Cid? subtree = runStart < i ? Node(entries, heights, runStart, i, height - 1, blocks) : null;
            if (nodeEntries.Count == 0)
            {
                left = subtree;
            }
            else
            {
                nodeEntries[^1] = nodeEntries[^1] with { Right = subtree };
            }
            if (i < to)
            {
                nodeEntries.Add(new MstEntry(entries[i].Key, entries[i].Value, null));
            }
            runStart = i + 1;
        }
        var block = new MstNode(left, nodeEntries).Encode();
        var cid = Cid.Compute(Cid.DagCborCodec, block);
        blocks.Add((cid, block));
        return cid;
    }
}
