using System.Text;
using Jetstream.Atproto.Crypto;
using SimpleBase;

namespace Jetstream.Atproto.Tests.Crypto;

public sealed class KeyTests
{
    [Theory]
    [InlineData("k256")]
    [InlineData("p256")]
    public void Generated_key_signs_low_s_signatures_its_public_key_verifies(string curve)
    {
        var key = AtprotoPrivateKey.Generate(curve);
        for (var i = 0; i < 20; i++)
        {
            var data = Encoding.UTF8.GetBytes($"commit {i}");
            var signature = key.Sign(data);

            Assert.Equal(64, signature.Length);
            Assert.True(IsLowS(curve, signature[32..]));
            Assert.True(key.PublicKey.VerifySignature(data, signature));
            Assert.False(key.PublicKey.VerifySignature(Encoding.UTF8.GetBytes($"commit {i + 1}"), signature));
        }
    }

    [Theory]
    [InlineData("k256")]
    [InlineData("p256")]
    public void Multikey_did_key_and_both_legacy_point_forms_name_the_same_key(string curve)
    {
        var key = AtprotoPrivateKey.Generate(curve).PublicKey;
        var compressed = key.ToCompressedBytes();
        var legacyType = curve == "k256" ? "EcdsaSecp256k1VerificationKey2019" : "EcdsaSecp256r1VerificationKey2019";

        Assert.Equal(33, compressed.Length);
        Assert.Equal(curve == "k256" ? "zQ3s" : "zDna", key.ToMultikey()[..4]);
        Assert.Equal(key, AtprotoPublicKey.ParseMultikey(key.ToMultikey()));
        Assert.Equal(key, AtprotoPublicKey.ParseDidKey(key.ToDidKey()));
        Assert.Equal(key, AtprotoPublicKey.ParseLegacyMultibase(legacyType, "z" + Base58.Bitcoin.Encode(compressed)));
        Assert.Equal(key, AtprotoPublicKey.ParseLegacyMultibase(legacyType, "z" + Base58.Bitcoin.Encode(Uncompressed(curve, key))));
    }

    [Theory]
    [InlineData("k256")]
    [InlineData("p256")]
    public void Signature_of_wrong_length_or_all_zero_is_refused_not_thrown(string curve)
    {
        var key = AtprotoPrivateKey.Generate(curve);
        var data = "x"u8.ToArray();
        var signature = key.Sign(data);

        Assert.False(key.PublicKey.VerifySignature(data, signature[..63]));
        Assert.False(key.PublicKey.VerifySignature(data, [.. signature, 0]));
        Assert.False(key.PublicKey.VerifySignature(data, new byte[64]));
        Assert.False(key.PublicKey.VerifySignature(data, []));
    }

    [Theory]
    [InlineData("z", "not multibase base58btc")]
    [InlineData("uAAAA", "not multibase base58btc")]
    [InlineData("z0OIl", "not valid base58btc")]
    [InlineData("z2222222222222222222222222222222222222222222222", "unknown multicodec prefix")]
    public void Malformed_multikey_is_an_invalid_key_error_saying_what_is_wrong(string multikey, string expected)
    {
        var ex = Assert.Throws<InvalidKeyException>(() => AtprotoPublicKey.ParseMultikey(multikey));
        Assert.Contains(expected, ex.Message);
    }

    [Fact]
    public void Point_not_on_the_curve_or_of_the_wrong_length_is_an_invalid_key_error()
    {
        var offCurve = new byte[33];
        offCurve[0] = 0x02;
        offCurve[32] = 0x07;
        Assert.Throws<InvalidKeyException>(() => AtprotoPublicKey.FromPoint("k256", offCurve));
        Assert.Throws<InvalidKeyException>(() => AtprotoPublicKey.FromPoint("p256", Enumerable.Repeat((byte)0xFF, 33).ToArray()));
        Assert.Contains("not 32 bytes", Assert.Throws<InvalidKeyException>(() => AtprotoPublicKey.FromPoint("p256", new byte[32])).Message);
        Assert.Throws<InvalidKeyException>(() => AtprotoPublicKey.FromPoint("ed25519", new byte[33]));
        Assert.Throws<InvalidKeyException>(() => AtprotoPublicKey.ParseDidKey("did:plc:abc"));
        Assert.Throws<InvalidKeyException>(() => AtprotoPublicKey.ParseLegacyMultibase("Ed25519VerificationKey2020", "z6Mk"));
        Assert.Throws<InvalidKeyException>(() => AtprotoPublicKey.ParseMultikey("z" + new string('2', 500)));
    }

    [Theory]
    [InlineData("k256")]
    [InlineData("p256")]
    public void Hybrid_points_and_uncompressed_multikeys_are_not_atproto_forms(string curve)
    {
        var key = AtprotoPrivateKey.Generate(curve).PublicKey;
        var uncompressed = Uncompressed(curve, key);
        var hybrid = (byte[])uncompressed.Clone();
        hybrid[0] = (byte)(0x06 | (uncompressed[^1] & 1));
        byte[] prefix = curve == "k256" ? [0xE7, 0x01] : [0x80, 0x24];

        Assert.Contains("starting 0x0", Assert.Throws<InvalidKeyException>(() => AtprotoPublicKey.FromPoint(curve, hybrid)).Message);
        Assert.Contains("33-byte compressed point, not 65 bytes", Assert.Throws<InvalidKeyException>(() =>
            AtprotoPublicKey.ParseMultikey("z" + Base58.Bitcoin.Encode([.. prefix, .. uncompressed]))).Message);
    }

    [Theory]
    [InlineData("k256")]
    [InlineData("p256")]
    public void Private_key_of_zero_or_the_wrong_length_is_refused(string curve)
    {
        Assert.Throws<InvalidKeyException>(() => AtprotoPrivateKey.Import(curve, new byte[32]));
        Assert.Throws<InvalidKeyException>(() => AtprotoPrivateKey.Import(curve, new byte[31]));
        Assert.Throws<InvalidKeyException>(() => AtprotoPrivateKey.Import(curve, Enumerable.Repeat((byte)0xFF, 32).ToArray()));
    }

    private static bool IsLowS(string curve, byte[] s)
    {
        var halfOrder = Convert.FromHexString(curve == "k256"
            ? "7FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF5D576E7357A4501DDFE92F46681B20A0"
            : "7FFFFFFF800000007FFFFFFFFFFFFFFFDE737D56D38BCF4279DCE5617E3192A8");
        return s.AsSpan().SequenceCompareTo(halfOrder) <= 0;
    }

    private static byte[] Uncompressed(string curve, AtprotoPublicKey key)
    {
        if (curve == "k256")
        {
            NBitcoin.Secp256k1.ECPubKey.TryCreate(key.ToCompressedBytes(), null, out _, out var k);
            return k!.ToBytes(compressed: false);
        }

        var domain = Org.BouncyCastle.Asn1.Nist.NistNamedCurves.GetByName("P-256");
        return domain.Curve.DecodePoint(key.ToCompressedBytes()).GetEncoded(compressed: false);
    }
}
