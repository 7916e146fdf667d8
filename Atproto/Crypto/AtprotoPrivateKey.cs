namespace Jetstream.Atproto.Crypto;

/// <summary>A signing key, as a PDS holds one: used to build and sign repositories (emulators, tests).</summary>
public abstract class AtprotoPrivateKey
{
    public abstract AtprotoPublicKey PublicKey { get; }

    /// <summary>ECDSA over SHA-256(<paramref name="data"/>), returned as 64 bytes r‖s with S normalised low.</summary>
    public abstract byte[] Sign(ReadOnlySpan<byte> data);
}
