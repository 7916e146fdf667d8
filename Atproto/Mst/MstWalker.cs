using System.Text;
using Jetstream.Atproto.Car;
using Jetstream.Atproto.Cids;
using Jetstream.Atproto.Repo;
using Jetstream.Atproto.Syntax;

namespace Jetstream.Atproto.Mst;

/// <summary>
/// Walks a repository's tree in key order, entering only subtrees whose key range can hold a wanted collection, and
/// checks each node it enters: keys inside the bounds its parent gives and increasing, each at the height its hash
/// says, subtrees one level down, no empty node but an empty tree's root, keys of the form <c>collection/rkey</c>.
/// </summary>
internal sealed class MstWalker(SpooledCar car, CollectionFilter filter)
{
    private string? _lastCollectionText;
    private Nsid? _lastCollection;

    public IEnumerable<RepoRecord> Walk(Cid root) => Walk(root, height: null, after: null, before: null);

    private IEnumerable<RepoRecord> Walk(Cid cid, int? height, byte[]? after, byte[]? before)
    {
        if (cid.Codec != Cid.DagCborCodec)
        {
            throw Malformed(cid, "a tree node must be dag-cbor");
        }
        var node = MstNode.Parse(car.GetBlock(cid), cid);
        if (node.Entries.Count == 0)
        {
            if (node.Left is not { } only)
            {
                if (height is null)
                {
                    yield break;
                }
                throw Malformed(cid, "an empty node inside the tree");
            }
            if (height is null)
            {
                throw Malformed(cid, "the root is only a pointer to a subtree (the tree was not trimmed)");
            }
            foreach (var record in Descend(only, cid, height.Value, after, before))
            {
                yield return record;
            }
            yield break;
        }
        var nodeHeight = MstKey.Height(node.Entries[0].Key);
        if (height is { } expected && nodeHeight != expected)
        {
            throw Malformed(cid, $"a node at height {expected} holds keys of height {nodeHeight}");
        }
        var previous = after;
        foreach (var entry in node.Entries)
        {
            if (previous is not null && entry.Key.AsSpan().SequenceCompareTo(previous) <= 0)
            {
                throw Malformed(cid, $"key '{Show(entry.Key)}' is not after '{Show(previous)}'");
            }
            if (before is not null && entry.Key.AsSpan().SequenceCompareTo(before) >= 0)
            {
                throw Malformed(cid, $"key '{Show(entry.Key)}' is not before '{Show(before)}'");
            }
            if (MstKey.Height(entry.Key) != nodeHeight)
            {
                throw Malformed(cid, $"key '{Show(entry.Key)}' of height {MstKey.Height(entry.Key)} is in a node of height {nodeHeight}");
            }
            previous = entry.Key;
        }
        if (node.Left is { } left)
        {
            foreach (var record in Descend(left, cid, nodeHeight, after, node.Entries[0].Key))
            {
                yield return record;
            }
        }
        for (var i = 0; i < node.Entries.Count; i++)
        {
            var entry = node.Entries[i];
            if (ToRecord(cid, entry) is { } record)
            {
                yield return record;
            }
            if (entry.Right is { } right)
            {
                var next = i + 1 < node.Entries.Count ? node.Entries[i + 1].Key : before;
                foreach (var inner in Descend(right, cid, nodeHeight, entry.Key, next))
                {
                    yield return inner;
                }
            }
        }
    }

    private IEnumerable<RepoRecord> Descend(Cid child, Cid parent, int parentHeight, byte[]? after, byte[]? before)
    {
        if (parentHeight == 0)
        {
            throw Malformed(parent, "a node at height 0 points to a subtree");
        }
        return filter.MayHoldKeysBetween(after, after is not null, before, before is not null)
            ? Walk(child, parentHeight - 1, after, before)
            : [];
    }

    private RepoRecord? ToRecord(Cid node, MstEntry entry)
    {
        var key = entry.Key.AsSpan();
        var slash = key.IndexOf((byte)'/');
        if (slash <= 0 || !Ascii.IsValid(key))
        {
            throw Malformed(node, $"key '{Show(entry.Key)}' is not collection/rkey");
        }
        var collection = Collection(key[..slash], node, entry);
        if (!filter.Matches(collection.Value))
        {
            return null;
        }
        var rkeyText = Encoding.ASCII.GetString(key[(slash + 1)..]);
        if (!RecordKey.TryParse(rkeyText, out var rkey))
        {
            throw Malformed(node, $"key '{Show(entry.Key)}' has an invalid record key");
        }
        if (entry.Value.Codec != Cid.DagCborCodec)
        {
            throw Malformed(node, $"record {entry.Value} at '{Show(entry.Key)}' is not dag-cbor");
        }
        return new RepoRecord(collection, rkey, entry.Value, car.GetBlock(entry.Value));
    }

    // Keys come sorted, so a collection's keys are consecutive: one NSID parsed per collection, not per record.
    private Nsid Collection(ReadOnlySpan<byte> bytes, Cid node, MstEntry entry)
    {
        if (_lastCollectionText is not null && Encoding.ASCII.GetByteCount(_lastCollectionText) == bytes.Length
            && Ascii.Equals(bytes, _lastCollectionText))
        {
            return _lastCollection!;
        }
        var text = Encoding.ASCII.GetString(bytes);
        if (!Nsid.TryParse(text, out var nsid))
        {
            throw Malformed(node, $"key '{Show(entry.Key)}' has an invalid collection");
        }
        _lastCollectionText = text;
        _lastCollection = nsid;
        return nsid;
    }

    private static AtprotoException Malformed(Cid node, string reason) => new($"repository tree is malformed at node {node}: {reason}");

    private static string Show(byte[] key) => Did.Shorten(Encoding.UTF8.GetString(key));
}
