using NBitcoin.Secp256k1;
using SHA256 = System.Security.Cryptography.SHA256;

namespace Jetstream.Atproto.Crypto;

/// <summary>A secp256k1 public key, verified with NBitcoin's port of libsecp256k1.</summary>
internal sealed class K256PublicKey : AtprotoPublicKey
{
    private readonly ECPubKey _key;

    public K256PublicKey(ECPubKey key) => _key = key;

    public override string Curve => K256;

    public static K256PublicKey FromPoint(ReadOnlySpan<byte> point)
    {
        return ECPubKey.TryCreate(point, Context.Instance, out _, out var key) && key is not null
            ? new K256PublicKey(key)
            : throw new InvalidKeyException("the bytes are not a point on the k256 (secp256k1) curve");
    }

    public override bool VerifySignature(ReadOnlySpan<byte> data, ReadOnlySpan<byte> signature)
    {
        // Compact parsing takes exactly 64 bytes, which alone refuses DER (70-72 bytes).
        if (signature.Length != 64 || !SecpECDSASignature.TryCreateFromCompact(signature, out var sig) || sig is null)
        {
            return false;
        }

        // atproto refuses high-S to rule out malleated signatures; checked here rather than trusting the verifier to.
        var (_, s) = sig;
        if (s.IsHigh)
        {
            return false;
        }

        Span<byte> hash = stackalloc byte[32];
        SHA256.HashData(data, hash);
        return _key.SigVerify(sig, hash);
    }

    public override byte[] ToCompressedBytes()
    {
        var bytes = new byte[33];
        _key.WriteToSpan(compressed: true, bytes, out _);
        return bytes;
    }
}
