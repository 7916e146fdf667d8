using Org.BouncyCastle.Asn1.Nist;
using Org.BouncyCastle.Crypto.Parameters;
using Org.BouncyCastle.Math;

namespace Jetstream.Atproto.Crypto;

/// <summary>
/// NIST P-256 through BouncyCastle: .NET's <c>ECDsa</c> cannot import a compressed point, and BouncyCastle's signer is
/// stateless per call, so one key can verify from many threads at once.
/// </summary>
internal static class P256Curve
{
    public static readonly ECDomainParameters Domain = CreateDomain();

    public static readonly BigInteger HalfOrder = Domain.N.ShiftRight(1);

    private static ECDomainParameters CreateDomain()
    {
        var x9 = NistNamedCurves.GetByName("P-256");
        return new ECDomainParameters(x9.Curve, x9.G, x9.N, x9.H, x9.GetSeed());
    }
}
