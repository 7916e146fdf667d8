using System.Buffers.Binary;
using System.Security.Cryptography;
using SimpleBase;

namespace Jetstream.Atproto.Cids;

/// <summary>
/// A CIDv1 of the two kinds atproto uses: dag-cbor (0x71, records, tree nodes, commits) or raw (0x55, blobs), both
/// with a sha2-256 multihash. Held as a value (codec and the 32-byte digest) so that an index of a repository's
/// blocks costs no object per block. <c>default(Cid)</c> is not a CID; <see cref="IsEmpty"/> tells it apart.
/// </summary>
public readonly struct Cid : IEquatable<Cid>
{
    public const byte DagCborCodec = 0x71;
    public const byte RawCodec = 0x55;

    /// <summary>Bytes of the binary form: version, codec, hash code, digest length, digest.</summary>
    public const int ByteLength = 36;

    private const byte Sha256Code = 0x12;
    private const int DigestLength = 32;

    private readonly ulong _d0, _d1, _d2, _d3;

    private Cid(byte codec, ReadOnlySpan<byte> digest)
    {
        Codec = codec;
        _d0 = BinaryPrimitives.ReadUInt64BigEndian(digest);
        _d1 = BinaryPrimitives.ReadUInt64BigEndian(digest[8..]);
        _d2 = BinaryPrimitives.ReadUInt64BigEndian(digest[16..]);
        _d3 = BinaryPrimitives.ReadUInt64BigEndian(digest[24..]);
    }

    public byte Codec { get; }

    public bool IsEmpty => Codec == 0;

    /// <summary>The CID of <paramref name="block"/>'s bytes as they are: the only way a block is ever checked.</summary>
    public static Cid Compute(byte codec, ReadOnlySpan<byte> block)
    {
        CheckCodec(codec);
        Span<byte> digest = stackalloc byte[DigestLength];
        SHA256.HashData(block, digest);
        return new Cid(codec, digest);
    }

    /// <summary>True when <paramref name="block"/> hashes to this CID.</summary>
    public bool Matches(ReadOnlySpan<byte> block)
    {
        Span<byte> digest = stackalloc byte[DigestLength];
        SHA256.HashData(block, digest);
        return new Cid(Codec, digest).Equals(this);
    }

    /// <summary>Parses the binary form, which must be exactly <see cref="ByteLength"/> bytes.</summary>
    public static Cid FromBytes(ReadOnlySpan<byte> bytes)
    {
        if (bytes.Length != ByteLength)
        {
            throw new AtprotoException($"a CID must be {ByteLength} bytes (CIDv1, sha2-256), not {bytes.Length}");
        }
        if (bytes[0] != 1)
        {
            throw new AtprotoException(bytes[0] == Sha256Code
                ? "CIDv0 is not supported: atproto uses CIDv1"
                : $"CID version {bytes[0]} is not supported: atproto uses CIDv1");
        }
        CheckCodec(bytes[1]);
        if (bytes[2] != Sha256Code || bytes[3] != DigestLength)
        {
            throw new AtprotoException($"CID hash 0x{bytes[2]:x2} of length {bytes[3]} is not supported: atproto uses sha2-256");
        }
        return new Cid(bytes[1], bytes[4..]);
    }

    /// <summary>Parses the string form: multibase base32 lower case, <c>b…</c>.</summary>
    public static Cid Parse(string text)
    {
        if (!TryParse(text, out var cid, out var reason))
        {
            throw new AtprotoException($"'{Syntax.Did.Shorten(text)}' is not a CID: {reason}");
        }
        return cid;
    }

    public static bool TryParse(string? text, out Cid cid) => TryParse(text, out cid, out _);

    private static bool TryParse(string? text, out Cid cid, out string reason)
    {
        cid = default;
        if (text is null || text.Length < 2 || text[0] != 'b')
        {
            reason = "expected base32 multibase ('b…')";
            return false;
        }
        Span<byte> bytes = stackalloc byte[64];
        foreach (var c in text.AsSpan(1))
        {
            if (c is not ((>= 'a' and <= 'z') or (>= '2' and <= '7')))
            {
                reason = "expected lower-case base32 after 'b'";
                return false;
            }
        }
        if (Base32.Rfc4648.GetSafeByteCountForDecoding(text.AsSpan(1)) > bytes.Length
            || !Base32.Rfc4648.TryDecode(text.AsSpan(1).ToString().ToUpperInvariant(), bytes, out var written))
        {
            reason = "not valid base32";
            return false;
        }
        try
        {
            cid = FromBytes(bytes[..written]);
            reason = "";
            return true;
        }
        catch (AtprotoException e)
        {
            reason = e.Message;
            return false;
        }
    }

    public void WriteBytes(Span<byte> destination)
    {
        destination[0] = 1;
        destination[1] = Codec;
        destination[2] = Sha256Code;
        destination[3] = DigestLength;
        BinaryPrimitives.WriteUInt64BigEndian(destination[4..], _d0);
        BinaryPrimitives.WriteUInt64BigEndian(destination[12..], _d1);
        BinaryPrimitives.WriteUInt64BigEndian(destination[20..], _d2);
        BinaryPrimitives.WriteUInt64BigEndian(destination[28..], _d3);
    }

    public byte[] ToBytes()
    {
        var bytes = new byte[ByteLength];
        WriteBytes(bytes);
        return bytes;
    }

    public override string ToString()
    {
        if (IsEmpty)
        {
            return "(no CID)";
        }
        // One string, written in place: SimpleBase's upper-case form, lowered and prefixed, was three (a backfill
        // names every record's CID: 8 % of the Silo's allocations in bench row a).
        return string.Create(1 + ((ByteLength * 8) + 4) / 5, this, static (chars, cid) =>
        {
            Span<byte> bytes = stackalloc byte[ByteLength];
            cid.WriteBytes(bytes);
            chars[0] = 'b';
            int pending = 0, bits = 0, next = 1;
            foreach (var b in bytes)
            {
                pending = ((pending & ((1 << bits) - 1)) << 8) | b;
                bits += 8;
                while (bits >= 5)
                {
                    bits -= 5;
                    chars[next++] = Base32Lower[(pending >> bits) & 31];
                }
            }
            if (bits > 0)
            {
                chars[next] = Base32Lower[(pending << (5 - bits)) & 31];
            }
        });
    }

    private const string Base32Lower = "abcdefghijklmnopqrstuvwxyz234567";

    public bool Equals(Cid other) =>
        Codec == other.Codec && _d0 == other._d0 && _d1 == other._d1 && _d2 == other._d2 && _d3 == other._d3;

    public override bool Equals(object? obj) => obj is Cid other && Equals(other);

    // The digest is a cryptographic hash: any 32 bits of it spread as well as all of them.
    public override int GetHashCode() => (int)_d0;

    public static bool operator ==(Cid left, Cid right) => left.Equals(right);

    public static bool operator !=(Cid left, Cid right) => !left.Equals(right);

    private static void CheckCodec(byte codec)
    {
        if (codec is not (DagCborCodec or RawCodec))
        {
            throw new AtprotoException($"CID codec 0x{codec:x2} is not supported: atproto uses dag-cbor (0x71) and raw (0x55)");
        }
    }
}
