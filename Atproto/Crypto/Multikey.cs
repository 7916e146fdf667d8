using SimpleBase;

namespace Jetstream.Atproto.Crypto;

/// <summary>The multibase (<c>z</c> = base58btc) and multicodec framing of atproto public keys.</summary>
internal static class Multikey
{
    // Unsigned varints of the multicodec codes secp256k1-pub (0xe7) and p256-pub (0x1200).
    private static readonly byte[] K256Prefix = [0xE7, 0x01];
    private static readonly byte[] P256Prefix = [0x80, 0x24];

    // A compressed point in base58 is ~45 characters; anything far longer is not a key and is not worth decoding.
    private const int MaxEncodedLength = 200;

    public static string Encode(string curve, ReadOnlySpan<byte> compressedPoint)
    {
        var prefix = curve == AtprotoPublicKey.K256 ? K256Prefix : P256Prefix;
        var bytes = new byte[prefix.Length + compressedPoint.Length];
        prefix.CopyTo(bytes, 0);
        compressedPoint.CopyTo(bytes.AsSpan(prefix.Length));
        return "z" + Base58.Bitcoin.Encode(bytes);
    }

    public static (string Curve, byte[] Point) Decode(string multikey)
    {
        var bytes = DecodeBase58Btc(multikey);
        if (bytes.AsSpan().StartsWith(K256Prefix))
        {
            return (AtprotoPublicKey.K256, bytes[K256Prefix.Length..]);
        }

        if (bytes.AsSpan().StartsWith(P256Prefix))
        {
            return (AtprotoPublicKey.P256, bytes[P256Prefix.Length..]);
        }

        throw new InvalidKeyException(
            $"multikey '{Shorten(multikey)}' has an unknown multicodec prefix (expected 0xe7 secp256k1-pub or 0x1200 p256-pub)");
    }

    public static byte[] DecodeBase58Btc(string multibase)
    {
        ArgumentNullException.ThrowIfNull(multibase);
        if (multibase.Length < 2 || multibase[0] != 'z')
        {
            throw new InvalidKeyException($"key '{Shorten(multibase)}' is not multibase base58btc (it must start with 'z')");
        }

        if (multibase.Length > MaxEncodedLength)
        {
            throw new InvalidKeyException($"key '{Shorten(multibase)}' is {multibase.Length} characters long, too long for a public key");
        }

        try
        {
            return Base58.Bitcoin.Decode(multibase.AsSpan(1));
        }
        catch (ArgumentException ex)
        {
            throw new InvalidKeyException($"key '{Shorten(multibase)}' is not valid base58btc: {ex.Message}", ex);
        }
    }

    /// <summary>Input echoed in an error, cut so a hostile document cannot flood the message.</summary>
    public static string Shorten(string value) => value.Length <= 64 ? value : value[..64] + "…";
}
