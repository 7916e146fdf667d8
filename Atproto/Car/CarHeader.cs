using System.Formats.Cbor;
using Jetstream.Atproto.Cids;
using Jetstream.Atproto.DagCbor;

namespace Jetstream.Atproto.Car;

/// <summary>The DAG-CBOR header of a CAR v1: <c>{"roots": [cid, …], "version": 1}</c>.</summary>
internal static class CarHeader
{
    public const int MaxBytes = 64 * 1024;

    public static IReadOnlyList<Cid> Parse(ReadOnlyMemory<byte> bytes) =>
        DagCborReader.Read(bytes, "CAR header", DagCborLimits.Default, reader =>
        {
            if (reader.Peek() != CborReaderState.StartMap)
            {
                throw reader.Fail("expected a map");
            }
            List<Cid>? roots = null;
            long? version = null;
            var entries = reader.ReadStartMap();
            for (var i = 0; i < entries; i++)
            {
                var key = reader.ReadKey().Span;
                if (key.SequenceEqual("roots"u8))
                {
                    var count = reader.ReadStartArray();
                    roots = new List<Cid>(count);
                    for (var j = 0; j < count; j++)
                    {
                        roots.Add(reader.ReadCid());
                    }
                    reader.ReadEndArray();
                }
                else if (key.SequenceEqual("version"u8))
                {
                    version = reader.ReadInt64();
                }
                else
                {
                    throw reader.Fail("unknown key (a CAR v1 header has only roots and version)");
                }
            }
            reader.ReadEndMap();
            if (version != 1)
            {
                throw reader.Fail(version is null ? "no version" : $"version {version} is not supported (only CAR v1)");
            }
            return roots ?? throw reader.Fail("no roots");
        });

    public static byte[] Encode(IReadOnlyList<Cid> roots)
    {
        var writer = new CborWriter(CborConformanceMode.Canonical, convertIndefiniteLengthEncodings: false);
        writer.WriteStartMap(2);
        writer.WriteTextString("roots");
        writer.WriteStartArray(roots.Count);
        foreach (var root in roots)
        {
            DagCborWrite.Cid(writer, root);
        }
        writer.WriteEndArray();
        writer.WriteTextString("version");
        writer.WriteInt64(1);
        writer.WriteEndMap();
        return writer.Encode();
    }
}
