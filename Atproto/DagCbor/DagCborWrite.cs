using System.Formats.Cbor;

namespace Jetstream.Atproto.DagCbor;

/// <summary>The one DAG-CBOR form a <see cref="CborWriter"/> does not know: a CID link.</summary>
internal static class DagCborWrite
{
    public static void Cid(CborWriter writer, Cids.Cid cid)
    {
        Span<byte> bytes = stackalloc byte[Cids.Cid.ByteLength + 1];
        bytes[0] = 0;
        cid.WriteBytes(bytes[1..]);
        writer.WriteTag((CborTag)42);
        writer.WriteByteString(bytes);
    }

    public static void NullableCid(CborWriter writer, Cids.Cid? cid)
    {
        if (cid is { } value)
        {
            Cid(writer, value);
        }
        else
        {
            writer.WriteNull();
        }
    }
}
