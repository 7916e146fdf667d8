using System.Security.Cryptography;
using Org.BouncyCastle.Crypto.Parameters;

namespace Jetstream.Atproto.Crypto;

/// <summary>
/// A NIST P-256 public key. BouncyCastle decodes the point (.NET's <c>ECDsa</c> cannot import a compressed one) and
/// checks it is on the curve, once; signatures are verified by .NET's <c>ECDsa</c> (OpenSSL here) with the point
/// uncompressed: BouncyCastle's verify was 12 % of the Silo's CPU in a backfill of half p256 repositories (bench row a,
/// perf), OpenSSL's takes a fraction of it.
/// </summary>
internal sealed class P256PublicKey : AtprotoPublicKey
{
    // The group order's half, big-endian: a signature's s above it is high-S, refused.
    private static readonly byte[] HalfOrder = P256Curve.HalfOrder.ToByteArrayUnsigned();

    private readonly ECPublicKeyParameters _key;

    // Imported once (the import checks the point, which costs about a verify); used under a lock, since an ECDsa's
    // members are not documented as safe from several threads and a key is shared by its DID's cached document.
    private readonly ECDsa _verifier;

    public P256PublicKey(ECPublicKeyParameters key)
    {
        _key = key;
        var q = key.Q.Normalize();
        _verifier = ECDsa.Create(new ECParameters
        {
            Curve = ECCurve.NamedCurves.nistP256,
            Q = new ECPoint { X = q.AffineXCoord.GetEncoded(), Y = q.AffineYCoord.GetEncoded() },
        });
    }

    public override string Curve => P256;

    public static P256PublicKey FromPoint(ReadOnlySpan<byte> point)
    {
        try
        {
            var decoded = P256Curve.Domain.Curve.DecodePoint(point.ToArray());
            if (decoded.IsInfinity || !decoded.IsValid())
            {
                throw new InvalidKeyException("the bytes are not a point on the p256 (NIST P-256) curve");
            }

            return new P256PublicKey(new ECPublicKeyParameters(decoded, P256Curve.Domain));
        }
        catch (Exception ex) when (ex is ArgumentException or FormatException or ArithmeticException or CryptographicException)
        {
            throw new InvalidKeyException($"the bytes are not a point on the p256 (NIST P-256) curve: {ex.Message}", ex);
        }
    }

    public override bool VerifySignature(ReadOnlySpan<byte> data, ReadOnlySpan<byte> signature)
    {
        // Exactly 64 bytes r‖s (IEEE P1363, what VerifyHash reads): DER (70-72 bytes) is refused by length.
        if (signature.Length != 64 || signature[32..].SequenceCompareTo(HalfOrder) > 0)
        {
            return false;
        }

        Span<byte> hash = stackalloc byte[SHA256.HashSizeInBytes];
        SHA256.HashData(data, hash);
        lock (_verifier)
        {
            return _verifier.VerifyHash(hash, signature);
        }
    }

    public override byte[] ToCompressedBytes() => _key.Q.GetEncoded(compressed: true);
}
