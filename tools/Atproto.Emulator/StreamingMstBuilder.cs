using System.Formats.Cbor;
using System.Text;
using Jetstream.Atproto.Cids;
using Jetstream.Atproto.Mst;

namespace Atproto.Emulator;

/// <summary>
/// Builds a Merkle Search Tree from keys given in order, writing each node as soon as it is complete, so a tree of a
/// million records is built holding only the open node of each level. It gives the tree the library's
/// <c>RepoBuilder</c> gives (the tests compare root CIDs); the library's builder wants every key at once and its node
/// encoder is internal, so both are written again here.
/// </summary>
internal sealed class StreamingMstBuilder(Action<Cid, byte[]> writeBlock)
{
    private readonly List<OpenNode?> _levels = [];
    private byte[]? _lastKey;

    /// <summary>Nodes written so far.</summary>
    public int NodesWritten { get; private set; }

    public void Add(string path, Cid value)
    {
        var key = Encoding.ASCII.GetBytes(path);
        if (_lastKey is not null && key.AsSpan().SequenceCompareTo(_lastKey) <= 0)
        {
            throw new InvalidOperationException($"keys must be added in increasing order: '{path}' came after '{Encoding.ASCII.GetString(_lastKey)}'");
        }
        _lastKey = key;
        var height = MstKey.Height(key);
        while (_levels.Count <= height)
        {
            _levels.Add(null);
        }
        // A key of this height ends the run of lower keys before it: those nodes are complete.
        CloseBelow(height);
        (_levels[height] ??= new OpenNode()).Entries.Add(new Entry(key, value));
    }

    /// <summary>Closes every open node and returns the root's CID (an empty node for no keys).</summary>
    public Cid Finish()
    {
        if (_levels.Count == 0)
        {
            return Write(new OpenNode());
        }
        var top = _levels.Count - 1;
        CloseBelow(top);
        return Write(_levels[top] ?? new OpenNode());
    }

    private void CloseBelow(int height)
    {
        for (var level = 0; level < height; level++)
        {
            if (_levels[level] is not { } node)
            {
                continue;
            }
            _levels[level] = null;
            var cid = Write(node);
            var parent = _levels[level + 1] ??= new OpenNode();
            if (parent.Entries.Count == 0)
            {
                parent.Left = cid;
            }
            else
            {
                parent.Entries[^1].Right = cid;
            }
        }
    }

    private Cid Write(OpenNode node)
    {
        var block = Encode(node);
        var cid = Cid.Compute(Cid.DagCborCodec, block);
        writeBlock(cid, block);
        NodesWritten++;
        return cid;
    }

    // {"e": [{"k", "p", "t", "v"}], "l"}: DAG-CBOR orders map keys by length, then bytes.
    private static byte[] Encode(OpenNode node)
    {
        var writer = new CborWriter(CborConformanceMode.Canonical, convertIndefiniteLengthEncodings: false);
        writer.WriteStartMap(2);
        writer.WriteTextString("e");
        writer.WriteStartArray(node.Entries.Count);
        ReadOnlySpan<byte> previous = [];
        foreach (var entry in node.Entries)
        {
            var prefix = MstKey.CommonPrefixLength(previous, entry.Key);
            writer.WriteStartMap(4);
            writer.WriteTextString("k");
            writer.WriteByteString(entry.Key.AsSpan(prefix));
            writer.WriteTextString("p");
            writer.WriteInt32(prefix);
            writer.WriteTextString("t");
            WriteLink(writer, entry.Right);
            writer.WriteTextString("v");
            WriteLink(writer, entry.Value);
            writer.WriteEndMap();
            previous = entry.Key;
        }
        writer.WriteEndArray();
        writer.WriteTextString("l");
        WriteLink(writer, node.Left);
        writer.WriteEndMap();
        return writer.Encode();
    }

    /// <summary>A CID link: tag 42 on the binary CID behind a 0x00 (the identity multibase prefix).</summary>
    internal static void WriteLink(CborWriter writer, Cid? cid)
    {
        if (cid is not { } value)
        {
            writer.WriteNull();
            return;
        }
        Span<byte> bytes = stackalloc byte[Cid.ByteLength + 1];
        bytes[0] = 0;
        value.WriteBytes(bytes[1..]);
        writer.WriteTag((CborTag)42);
        writer.WriteByteString(bytes);
    }

    private sealed class OpenNode
    {
        public Cid? Left { get; set; }

        public List<Entry> Entries { get; } = [];
    }

    private sealed class Entry(byte[] key, Cid value)
    {
        public byte[] Key { get; } = key;

        public Cid Value { get; } = value;

        public Cid? Right { get; set; }
    }
}
