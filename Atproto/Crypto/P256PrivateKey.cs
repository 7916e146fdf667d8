using System.Security.Cryptography;
using Org.BouncyCastle.Crypto.Digests;
using Org.BouncyCastle.Crypto.Parameters;
using Org.BouncyCastle.Crypto.Signers;
using Org.BouncyCastle.Math;

namespace Jetstream.Atproto.Crypto;

/// <summary>A NIST P-256 private key, signing deterministically (RFC 6979) with S normalised low as atproto requires.</summary>
internal sealed class P256PrivateKey : AtprotoPrivateKey
{
    private readonly ECPrivateKeyParameters _key;

    private P256PrivateKey(BigInteger d)
    {
        _key = new ECPrivateKeyParameters(d, P256Curve.Domain);
        var q = P256Curve.Domain.G.Multiply(d).Normalize();
        PublicKey = new P256PublicKey(new ECPublicKeyParameters(q, P256Curve.Domain));
    }

    public override AtprotoPublicKey PublicKey { get; }

    public static P256PrivateKey Generate()
    {
        Span<byte> bytes = stackalloc byte[32];
        while (true)
        {
            RandomNumberGenerator.Fill(bytes);
            var d = new BigInteger(1, bytes);
            if (IsScalar(d))
            {
                return new P256PrivateKey(d);
            }
        }
    }

    public static P256PrivateKey Import(ReadOnlySpan<byte> bytes)
    {
        var d = bytes.Length == 32 ? new BigInteger(1, bytes) : BigInteger.Zero;
        return IsScalar(d)
            ? new P256PrivateKey(d)
            : throw new InvalidKeyException($"a p256 private key is a 32-byte scalar between 1 and the curve order ({bytes.Length} bytes given)");
    }

    public override byte[] Sign(ReadOnlySpan<byte> data)
    {
        var signer = new ECDsaSigner(new HMacDsaKCalculator(new Sha256Digest()));
        signer.Init(true, _key);
        var rs = signer.GenerateSignature(SHA256.HashData(data));
        var s = rs[1].CompareTo(P256Curve.HalfOrder) > 0 ? P256Curve.Domain.N.Subtract(rs[1]) : rs[1];
        var signature = new byte[64];
        rs[0].ToByteArrayUnsigned().CopyTo(signature.AsSpan(32 - rs[0].ToByteArrayUnsigned().Length));
        s.ToByteArrayUnsigned().CopyTo(signature.AsSpan(64 - s.ToByteArrayUnsigned().Length));
        return signature;
    }

    public override byte[] ToBytes() => _key.D.ToByteArrayUnsigned() is var raw && raw.Length == 32
        ? raw
        : [.. new byte[32 - raw.Length], .. raw];

    private static bool IsScalar(BigInteger d) => d.SignValue > 0 && d.CompareTo(P256Curve.Domain.N) < 0;
}
