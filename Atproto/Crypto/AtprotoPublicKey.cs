namespace Jetstream.Atproto.Crypto;

/// <summary>
/// A public key of one of the two curves atproto signs with (k256 = secp256k1, p256 = NIST P-256). Signatures are
/// the atproto form: ECDSA over SHA-256 of the data, 64 bytes r‖s, low-S only (DER and high-S are refused).
/// </summary>
public abstract class AtprotoPublicKey
{
    /// <summary>"k256" or "p256" (the names atproto's own libraries use).</summary>
    public abstract string Curve { get; }

    /// <summary>True only for a valid 64-byte low-S r‖s signature of SHA-256(<paramref name="data"/>).</summary>
    public abstract bool VerifySignature(ReadOnlySpan<byte> data, ReadOnlySpan<byte> signature);
}
