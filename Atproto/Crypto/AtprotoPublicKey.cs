namespace Jetstream.Atproto.Crypto;

/// <summary>
/// A public key of one of the two curves atproto signs with (k256 = secp256k1, p256 = NIST P-256). Signatures are
/// the atproto form: ECDSA over SHA-256 of the data, 64 bytes r‖s, low-S only (DER and high-S are refused).
/// </summary>
/// <remarks>
/// Parse one with <see cref="ParseMultikey"/> (<c>z…</c>, the <c>Multikey</c> form of DID documents),
/// <see cref="ParseDidKey"/> (<c>did:key:z…</c>), <see cref="ParseLegacyMultibase"/> (the
/// <c>EcdsaSecp256…VerificationKey2019</c> forms) or <see cref="FromPoint"/> (raw SEC1 bytes). Every bad input is an
/// <see cref="InvalidKeyException"/> saying what was wrong.
/// </remarks>
public abstract class AtprotoPublicKey
{
    /// <summary>The <see cref="Curve"/> of a secp256k1 key.</summary>
    public const string K256 = "k256";

    /// <summary>The <see cref="Curve"/> of a NIST P-256 key.</summary>
    public const string P256 = "p256";

    /// <summary>"k256" or "p256" (the names atproto's own libraries use).</summary>
    public abstract string Curve { get; }

    /// <summary>True only for a valid 64-byte low-S r‖s signature of SHA-256(<paramref name="data"/>).</summary>
    public abstract bool VerifySignature(ReadOnlySpan<byte> data, ReadOnlySpan<byte> signature);

    /// <summary>The 33-byte compressed SEC1 point: the bytes a multikey and a did:key carry.</summary>
    public abstract byte[] ToCompressedBytes();

    /// <summary>The <c>z…</c> multibase form with its multicodec prefix (a DID document's <c>Multikey</c>).</summary>
    public string ToMultikey() => Multikey.Encode(Curve, ToCompressedBytes());

    /// <summary>The <c>did:key:z…</c> form (what a PLC operation's <c>verificationMethods.atproto</c> holds).</summary>
    public string ToDidKey() => "did:key:" + ToMultikey();

    public override string ToString() => ToDidKey();

    public override bool Equals(object? obj) =>
        obj is AtprotoPublicKey other && other.Curve == Curve && other.ToCompressedBytes().AsSpan().SequenceEqual(ToCompressedBytes());

    public override int GetHashCode() => ToDidKey().GetHashCode(StringComparison.Ordinal);

    /// <summary>A key from its SEC1 point, compressed (33 bytes, 0x02/0x03) or uncompressed (65 bytes, 0x04), on the named curve.</summary>
    public static AtprotoPublicKey FromPoint(string curve, ReadOnlySpan<byte> point)
    {
        if (curve is not (K256 or P256))
        {
            throw new InvalidKeyException($"unsupported curve '{curve}': atproto keys are '{K256}' or '{P256}'");
        }

        // Hybrid (0x06/0x07) and other encodings some parsers accept are not atproto forms.
        if (!(point.Length == 33 && point[0] is 0x02 or 0x03) && !(point.Length == 65 && point[0] == 0x04))
        {
            throw new InvalidKeyException(
                $"a {curve} public key is a 33-byte compressed (0x02/0x03) or 65-byte uncompressed (0x04) point, not {point.Length} bytes starting 0x{(point.IsEmpty ? 0 : point[0]):x2}");
        }

        return curve == K256 ? K256PublicKey.FromPoint(point) : P256PublicKey.FromPoint(point);
    }

    /// <summary>A <c>z…</c> multibase key with its multicodec prefix (0xe7 secp256k1-pub or 0x1200 p256-pub).</summary>
    public static AtprotoPublicKey ParseMultikey(string multikey)
    {
        var (curve, point) = Multikey.Decode(multikey);
        // The atproto spec (and indigo) take only the compressed form here; the uncompressed one is legacy-only.
        return point.Length == 33
            ? FromPoint(curve, point)
            : throw new InvalidKeyException($"a multikey carries a 33-byte compressed point, not {point.Length} bytes");
    }

    /// <summary>A <c>did:key:z…</c> key.</summary>
    public static AtprotoPublicKey ParseDidKey(string didKey)
    {
        ArgumentNullException.ThrowIfNull(didKey);
        if (!didKey.StartsWith("did:key:", StringComparison.Ordinal))
        {
            throw new InvalidKeyException($"'{Multikey.Shorten(didKey)}' is not a did:key (it must start with 'did:key:z')");
        }

        return ParseMultikey(didKey["did:key:".Length..]);
    }

    /// <summary>
    /// The legacy DID-document forms: <paramref name="type"/> <c>EcdsaSecp256k1VerificationKey2019</c> or
    /// <c>EcdsaSecp256r1VerificationKey2019</c>, whose <c>publicKeyMultibase</c> is the bare point with no multicodec
    /// prefix. <c>@did-plc/server</c> serves it uncompressed; <c>@atproto/identity</c> and indigo accept both.
    /// </summary>
    public static AtprotoPublicKey ParseLegacyMultibase(string type, string publicKeyMultibase) => type switch
    {
        "EcdsaSecp256k1VerificationKey2019" => FromPoint(K256, Multikey.DecodeBase58Btc(publicKeyMultibase)),
        "EcdsaSecp256r1VerificationKey2019" => FromPoint(P256, Multikey.DecodeBase58Btc(publicKeyMultibase)),
        _ => throw new InvalidKeyException($"unsupported verification method type '{type}'"),
    };
}
