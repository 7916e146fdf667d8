using System.Formats.Cbor;
using Jetstream.Atproto.Cids;
using Jetstream.Atproto.DagCbor;

namespace Jetstream.Atproto.Mst;

/// <summary>
/// One tree node as stored: <c>{"l": cid|null, "e": [{"p": prefix length, "k": key suffix, "v": value, "t": right
/// subtree|null}]}</c>, with the full keys rebuilt from the prefix compression, which must be exact (each
/// <c>p</c> the whole prefix shared with the previous key, as the reference writes it).
/// </summary>
internal sealed record MstNode(Cid? Left, IReadOnlyList<MstEntry> Entries)
{
    public static MstNode Parse(ReadOnlyMemory<byte> block, Cid cid) =>
        DagCborReader.Read(block, $"tree node {cid}", DagCborLimits.Default, reader =>
        {
            if (reader.Peek() != CborReaderState.StartMap)
            {
                throw reader.Fail("expected a map");
            }
            Cid? left = null;
            List<MstEntry>? entries = null;
            var fields = reader.ReadStartMap();
            for (var i = 0; i < fields; i++)
            {
                var key = reader.ReadKey().Span;
                if (key.SequenceEqual("l"u8))
                {
                    left = reader.ReadNullableCid();
                }
                else if (key.SequenceEqual("e"u8))
                {
                    entries = ReadEntries(reader);
                }
                else
                {
                    throw reader.Fail("unknown field (a node has only l and e)");
                }
            }
            reader.ReadEndMap();
            return new MstNode(left, entries ?? throw reader.Fail("no entries field (e)"));
        });

    public byte[] Encode()
    {
        var writer = new CborWriter(CborConformanceMode.Canonical, convertIndefiniteLengthEncodings: false);
        writer.WriteStartMap(2);
        writer.WriteTextString("e");
        writer.WriteStartArray(Entries.Count);
        ReadOnlySpan<byte> previous = [];
        foreach (var entry in Entries)
        {
            var prefix = MstKey.CommonPrefixLength(previous, entry.Key);
            writer.WriteStartMap(4);
            writer.WriteTextString("k");
            writer.WriteByteString(entry.Key.AsSpan(prefix));
            writer.WriteTextString("p");
            writer.WriteInt32(prefix);
            writer.WriteTextString("t");
            DagCborWrite.NullableCid(writer, entry.Right);
            writer.WriteTextString("v");
            DagCborWrite.Cid(writer, entry.Value);
            writer.WriteEndMap();
            previous = entry.Key;
        }
        writer.WriteEndArray();
        writer.WriteTextString("l");
        DagCborWrite.NullableCid(writer, Left);
        writer.WriteEndMap();
        return writer.Encode();
    }

    private static List<MstEntry> ReadEntries(DagCborReader reader)
    {
        var count = reader.ReadStartArray();
        var entries = new List<MstEntry>(count);
        byte[] previous = [];
        for (var i = 0; i < count; i++)
        {
            if (reader.Peek() != CborReaderState.StartMap)
            {
                throw reader.Fail($"entry {i} is not a map");
            }
            long? prefix = null;
            byte[]? suffix = null;
            Cid? value = null, right = null;
            var fields = reader.ReadStartMap();
            for (var f = 0; f < fields; f++)
            {
                var key = reader.ReadKey().Span;
                switch (key.Length == 1 ? (char)key[0] : '?')
                {
                    case 'p': prefix = reader.ReadInt64(); break;
                    case 'k': suffix = reader.ReadBytes(); break;
                    case 'v': value = reader.ReadCid(); break;
                    case 't': right = reader.ReadNullableCid(); break;
                    default: throw reader.Fail($"entry {i} has an unknown field (an entry has only p, k, v and t)");
                }
            }
            reader.ReadEndMap();
            if (prefix is not { } p || suffix is null || value is null)
            {
                throw reader.Fail($"entry {i} needs p, k and v");
            }
            if (p < 0 || p > previous.Length)
            {
                throw reader.Fail($"entry {i} shares {p} bytes with a previous key of {previous.Length}");
            }
            var full = new byte[p + suffix.Length];
            previous.AsSpan(0, (int)p).CopyTo(full);
            suffix.CopyTo(full, (int)p);
            if (full.Length is 0 or > MstKey.MaxLength)
            {
                throw reader.Fail($"entry {i} has a key of {full.Length} bytes (1 to {MstKey.MaxLength})");
            }
            if (MstKey.CommonPrefixLength(previous, full) != p)
            {
                throw reader.Fail($"entry {i}'s prefix length {p} is not the prefix it shares with the previous key");
            }
            entries.Add(new MstEntry(full, value.Value, right));
            previous = full;
        }
        reader.ReadEndArray();
        return entries;
    }
}
