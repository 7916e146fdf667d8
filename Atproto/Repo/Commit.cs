using System.Formats.Cbor;
using Jetstream.Atproto.Cids;
using Jetstream.Atproto.DagCbor;
using Jetstream.Atproto.Syntax;

namespace Jetstream.Atproto.Repo;

/// <summary>
/// A signed repository commit (version 3): who (<see cref="Did"/>), which tree (<see cref="Data"/>), which revision
/// (<see cref="Rev"/>), and the signature over the commit's DAG-CBOR without <c>sig</c>.
/// </summary>
public sealed record Commit(Did Did, long Version, Cid Data, Tid Rev, Cid? Prev, ReadOnlyMemory<byte> Sig)
{
    /// <summary>
    /// The bytes the signature covers: the commit's own encoded fields, <c>sig</c> left out, copied as they came
    /// (not re-encoded), so fields this code does not know are signed over too.
    /// </summary>
    public ReadOnlyMemory<byte> UnsignedBytes { get; private init; }

    /// <summary>Parses a commit block; anything but a v3 commit is an error naming the problem.</summary>
    public static Commit Parse(ReadOnlyMemory<byte> block, Cid cid) =>
        DagCborReader.Read(block, $"commit {cid}", DagCborLimits.Default, reader =>
        {
            if (reader.Peek() != CborReaderState.StartMap)
            {
                throw reader.Fail("expected a map");
            }
            var entries = reader.ReadStartMap();
            // The count is known only at the end (sig may be absent); the writer turns the map into a definite one.
            var unsigned = new CborWriter(CborConformanceMode.Canonical, convertIndefiniteLengthEncodings: true);
            unsigned.WriteStartMap(null);
            string? did = null, rev = null;
            long? version = null;
            Cid? data = null, prev = null;
            var hasPrev = false;
            byte[]? sig = null;
            for (var i = 0; i < entries; i++)
            {
                var key = reader.ReadKey();
                if (key.Span.SequenceEqual("sig"u8))
                {
                    sig = reader.ReadBytes();
                    continue;
                }
                unsigned.WriteTextString(System.Text.Encoding.UTF8.GetString(key.Span));
                var value = reader.ReadEncodedValue();
                unsigned.WriteEncodedValue(value.Span);
                var field = DagCborReaderFor(value, cid);
                switch (System.Text.Encoding.UTF8.GetString(key.Span))
                {
                    case "did": did = field.Text(); break;
                    case "rev": rev = field.Text(); break;
                    case "data": data = field.Link(); break;
                    case "prev": prev = field.NullableLink(); hasPrev = true; break;
                    case "version": version = field.Integer(); break;
                    default: DagCborJson.Validate(value, what: $"commit {cid}"); break;
                }
            }
            reader.ReadEndMap();
            unsigned.WriteEndMap();
            if (version != 3)
            {
                throw reader.Fail(version is null ? "no version" : $"version {version} is not supported (only repository version 3)");
            }
            if (did is null || rev is null || data is null || sig is null || !hasPrev)
            {
                throw reader.Fail("a v3 commit needs did, rev, data, prev and sig");
            }
            if (!Did.TryParse(did, out var parsedDid) || !Tid.TryParse(rev, out var parsedRev))
            {
                throw reader.Fail($"did '{Did.Shorten(did)}' or rev '{Did.Shorten(rev)}' is malformed");
            }
            return new Commit(parsedDid, version.Value, data.Value, parsedRev, prev, sig) { UnsignedBytes = unsigned.Encode() };
        });

    /// <summary>Builds and signs a commit the way a PDS does (used by <see cref="RepoBuilder"/>).</summary>
    public static (Commit Commit, byte[] Block) Sign(Did did, Cid data, Tid rev, Crypto.AtprotoPrivateKey key)
    {
        var unsigned = Encode(did, data, rev, sig: null);
        var sig = key.Sign(unsigned);
        return (new Commit(did, 3, data, rev, null, sig) { UnsignedBytes = unsigned }, Encode(did, data, rev, sig));
    }

    private static byte[] Encode(Did did, Cid data, Tid rev, byte[]? sig)
    {
        var writer = new CborWriter(CborConformanceMode.Canonical, convertIndefiniteLengthEncodings: false);
        writer.WriteStartMap(sig is null ? 5 : 6);
        writer.WriteTextString("did");
        writer.WriteTextString(did.Value);
        writer.WriteTextString("rev");
        writer.WriteTextString(rev.Value);
        if (sig is not null)
        {
            writer.WriteTextString("sig");
            writer.WriteByteString(sig);
        }
        writer.WriteTextString("data");
        DagCborWrite.Cid(writer, data);
        writer.WriteTextString("prev");
        writer.WriteNull();
        writer.WriteTextString("version");
        writer.WriteInt64(3);
        writer.WriteEndMap();
        return writer.Encode();
    }

    private static Field DagCborReaderFor(ReadOnlyMemory<byte> value, Cid cid) => new(value, $"commit {cid}");

    // One field's encoded value, read with the same checks as the commit itself.
    private readonly record struct Field(ReadOnlyMemory<byte> Value, string What)
    {
        public string Text() => DagCborReader.Read(Value, What, DagCborLimits.Default, r => r.ReadText());

        public Cid Link() => DagCborReader.Read(Value, What, DagCborLimits.Default, r => r.ReadCid());

        public Cid? NullableLink() => DagCborReader.Read(Value, What, DagCborLimits.Default, r => r.ReadNullableCid());

        public long Integer() => DagCborReader.Read(Value, What, DagCborLimits.Default, r => r.ReadInt64());
    }
}
