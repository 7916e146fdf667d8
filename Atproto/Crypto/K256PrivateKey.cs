using System.Security.Cryptography;
using NBitcoin.Secp256k1;
using SHA256 = System.Security.Cryptography.SHA256;

namespace Jetstream.Atproto.Crypto;

/// <summary>A secp256k1 private key; libsecp256k1 signs deterministically (RFC 6979) and always low-S.</summary>
internal sealed class K256PrivateKey : AtprotoPrivateKey
{
    private readonly ECPrivKey _key;

    private K256PrivateKey(ECPrivKey key)
    {
        _key = key;
        PublicKey = new K256PublicKey(key.CreatePubKey());
    }

    public override AtprotoPublicKey PublicKey { get; }

    public static K256PrivateKey Generate()
    {
        Span<byte> bytes = stackalloc byte[32];
        while (true)
        {
            RandomNumberGenerator.Fill(bytes);
            // Fails only for zero or a value ≥ the curve order, about 2^-128 of the time.
            if (ECPrivKey.TryCreate(bytes, out var key) && key is not null)
            {
                return new K256PrivateKey(key);
            }
        }
    }

    public static K256PrivateKey Import(ReadOnlySpan<byte> bytes) =>
        bytes.Length == 32 && ECPrivKey.TryCreate(bytes, out var key) && key is not null
            ? new K256PrivateKey(key)
            : throw new InvalidKeyException($"a k256 private key is a 32-byte scalar between 1 and the curve order ({bytes.Length} bytes given)");

    public override byte[] Sign(ReadOnlySpan<byte> data)
    {
        Span<byte> hash = stackalloc byte[32];
        SHA256.HashData(data, hash);
        var signature = new byte[64];
        _key.SignECDSARFC6979(hash).WriteCompactToSpan(signature);
        return signature;
    }

    public override byte[] ToBytes()
    {
        var bytes = new byte[32];
        _key.WriteToSpan(bytes);
        return bytes;
    }
}
