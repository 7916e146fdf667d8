namespace Jetstream.Atproto.Crypto;

/// <summary>A signing key, as a PDS holds one: used to build and sign repositories (emulators, tests).</summary>
public abstract class AtprotoPrivateKey
{
    public abstract AtprotoPublicKey PublicKey { get; }

    /// <summary>ECDSA over SHA-256(<paramref name="data"/>), returned as 64 bytes r‖s with S normalised low.</summary>
    public abstract byte[] Sign(ReadOnlySpan<byte> data);

    /// <summary>The 32-byte private scalar, big-endian (the form <see cref="Import"/> reads).</summary>
    public abstract byte[] ToBytes();

    /// <summary>A new random key on <paramref name="curve"/> ("k256" or "p256").</summary>
    public static AtprotoPrivateKey Generate(string curve) => curve switch
    {
        AtprotoPublicKey.K256 => K256PrivateKey.Generate(),
        AtprotoPublicKey.P256 => P256PrivateKey.Generate(),
        _ => throw new InvalidKeyException($"unsupported curve '{curve}': atproto keys are 'k256' or 'p256'"),
    };

    /// <summary>A key from its 32-byte big-endian scalar.</summary>
    public static AtprotoPrivateKey Import(string curve, ReadOnlySpan<byte> bytes) => curve switch
    {
        AtprotoPublicKey.K256 => K256PrivateKey.Import(bytes),
        AtprotoPublicKey.P256 => P256PrivateKey.Import(bytes),
        _ => throw new InvalidKeyException($"unsupported curve '{curve}': atproto keys are 'k256' or 'p256'"),
    };
}
