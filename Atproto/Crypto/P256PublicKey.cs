using System.Security.Cryptography;
using Org.BouncyCastle.Crypto.Parameters;
using Org.BouncyCastle.Crypto.Signers;
using Org.BouncyCastle.Math;

namespace Jetstream.Atproto.Crypto;

/// <summary>A NIST P-256 public key.</summary>
internal sealed class P256PublicKey : AtprotoPublicKey
{
    private readonly ECPublicKeyParameters _key;

    public P256PublicKey(ECPublicKeyParameters key) => _key = key;

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
        catch (Exception ex) when (ex is ArgumentException or FormatException or ArithmeticException)
        {
            throw new InvalidKeyException($"the bytes are not a point on the p256 (NIST P-256) curve: {ex.Message}", ex);
        }
    }

    public override bool VerifySignature(ReadOnlySpan<byte> data, ReadOnlySpan<byte> signature)
    {
        // Exactly 64 bytes r‖s: DER (70-72 bytes) is refused by length.
        if (signature.Length != 64)
        {
            return false;
        }

        var r = new BigInteger(1, signature[..32]);
        var s = new BigInteger(1, signature[32..]);
        if (s.CompareTo(P256Curve.HalfOrder) > 0)
        {
            return false;
        }

        var signer = new ECDsaSigner();
        signer.Init(false, _key);
        return signer.VerifySignature(SHA256.HashData(data), r, s);
    }

    public override byte[] ToCompressedBytes() => _key.Q.GetEncoded(compressed: true);
}
