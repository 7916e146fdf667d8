using Jetstream.Atproto.Crypto;
using Jetstream.Atproto.Identity;
using SimpleBase;

namespace Jetstream.Atproto.Tests.Identity;

public sealed class DidDocumentTests
{
    private const string Did = "did:plc:ewvi7nxzyoun6zhxrhs64oiz";

    [Fact]
    public void Multikey_document_gives_did_pds_key_and_handles()
    {
        var key = AtprotoPrivateKey.Generate("k256").PublicKey;

        var document = DidDocument.Parse(Doc(key.ToMultikey()), Did);

        Assert.Equal(Did, document.Did);
        Assert.Equal(new Uri("https://pds.example.com"), document.PdsEndpoint);
        Assert.Equal(key, document.SigningKey);
        Assert.Equal(["atproto.com", "second.example"], document.Handles);
    }

    [Fact]
    public void Document_served_by_the_reference_plc_in_the_legacy_uncompressed_form_gives_the_accounts_did_key()
    {
        // Served by @did-plc/server of @atproto/dev-env 0.6.7 (tools/atproto-devnet) for an account its PDS created.
        var json = """
            {"@context":["https://www.w3.org/ns/did/v1","https://w3id.org/security/suites/secp256k1-2019/v1"],"id":"did:plc:dnabd2y7ydn3ickmie5runmw","alsoKnownAs":["at://user1-mxc3tzwb.test"],"verificationMethod":[{"id":"#atproto","type":"EcdsaSecp256k1VerificationKey2019","controller":"did:plc:dnabd2y7ydn3ickmie5runmw","publicKeyMultibase":"zRfL4fseiaHyKKh9wbrdCCNdjUuCX3hxu4qygiNd1HdJKw8QxrkfL1toiNTbBLwSGBsUSuFYPjhM9cuxj7FwfYZSp"}],"service":[{"id":"#atproto_pds","type":"AtprotoPersonalDataServer","serviceEndpoint":"http://localhost:32927"}]}
            """u8;

        var document = DidDocument.Parse(json, "did:plc:dnabd2y7ydn3ickmie5runmw");

        Assert.Equal("did:key:zQ3shtjkkCyk9MMUJd1BCUxdHitejJe2Stj6VcQVQ6rCzHEF6", document.SigningKey.ToDidKey());
        Assert.Equal(new Uri("http://localhost:32927"), document.PdsEndpoint);
        Assert.Equal(["user1-mxc3tzwb.test"], document.Handles);
    }

    [Theory]
    [InlineData("k256", "EcdsaSecp256k1VerificationKey2019", false)]
    [InlineData("k256", "EcdsaSecp256k1VerificationKey2019", true)]
    [InlineData("p256", "EcdsaSecp256r1VerificationKey2019", false)]
    [InlineData("p256", "EcdsaSecp256r1VerificationKey2019", true)]
    public void Legacy_key_forms_compressed_or_uncompressed_give_the_same_key(string curve, string type, bool uncompressed)
    {
        var key = AtprotoPrivateKey.Generate(curve).PublicKey;
        var point = uncompressed ? Uncompressed(curve, key.ToCompressedBytes()) : key.ToCompressedBytes();

        var document = DidDocument.Parse(Doc("z" + Base58.Bitcoin.Encode(point), type: type), Did);

        Assert.Equal(key, document.SigningKey);
    }

    [Fact]
    public void Ids_written_absolute_with_the_did_are_found_too()
    {
        var key = AtprotoPrivateKey.Generate("p256").PublicKey;

        var document = DidDocument.Parse(Doc(key.ToMultikey(), keyId: Did + "#atproto", pdsId: Did + "#atproto_pds"), Did);

        Assert.Equal(key, document.SigningKey);
        Assert.Equal("pds.example.com", document.PdsEndpoint.Host);
    }

    [Fact]
    public void Document_of_another_did_is_refused_naming_both()
    {
        var ex = Assert.Throws<InvalidDidDocumentException>(() =>
            DidDocument.Parse(Doc(AtprotoPrivateKey.Generate("k256").PublicKey.ToMultikey()), "did:plc:aaaaaaaaaaaaaaaaaaaaaaaa"));

        Assert.Equal("did:plc:aaaaaaaaaaaaaaaaaaaaaaaa", ex.Did);
        Assert.Contains("names another DID", ex.Message);
        Assert.Contains(Did, ex.Message);
    }

    [Theory]
    [InlineData("pdsId", "#other", "has no #atproto_pds service")]
    [InlineData("pdsType", "SomethingElse", "not AtprotoPersonalDataServer")]
    [InlineData("endpoint", "ftp://pds.example.com", "not an http(s) URL")]
    [InlineData("endpoint", "not a url", "not an http(s) URL")]
    [InlineData("endpoint", "https://user:pw@pds.example.com", "not an http(s) URL")]
    [InlineData("keyId", "#atproto_label", "has no #atproto verification method")]
    [InlineData("key", "zQ3shqwJEJyMBsBXCWyCBpUBMqxcon9oHB7mCvx4sSpM", "unusable #atproto key")]
    [InlineData("key", "uQ3shqwJEJyMBsBXCWyCBpUBMqxcon9oHB7mCvx4sSpMdLJwc", "unusable #atproto key")]
    [InlineData("type", "Ed25519VerificationKey2020", "unusable #atproto key")]
    public void Missing_pds_or_key_or_a_malformed_one_is_a_clear_error(string field, string value, string expected)
    {
        var key = AtprotoPrivateKey.Generate("k256").PublicKey.ToMultikey();
        var json = field switch
        {
            "pdsId" => Doc(key, pdsId: value),
            "pdsType" => Doc(key, pdsType: value),
            "endpoint" => Doc(key, endpoint: value),
            "keyId" => Doc(key, keyId: value),
            "type" => Doc(key, type: value),
            _ => Doc(value),
        };

        var ex = Assert.Throws<InvalidDidDocumentException>(() => DidDocument.Parse(json, Did));

        Assert.Contains(expected, ex.Message);
        Assert.StartsWith($"the DID document of {Did}", ex.Message);
    }

    [Theory]
    [InlineData("not json")]
    [InlineData("[1,2]")]
    [InlineData("{\"id\":5}")]
    [InlineData("{\"id\":\"did:plc:ewvi7nxzyoun6zhxrhs64oiz\",\"service\":{\"a\":1}}")]
    public void Malformed_json_is_an_invalid_document_not_a_crash(string json) =>
        Assert.Throws<InvalidDidDocumentException>(() => DidDocument.Parse(System.Text.Encoding.UTF8.GetBytes(json), Did));

    [Fact]
    public void Deeply_nested_json_is_refused()
    {
        var json = "{\"id\":\"" + Did + "\",\"x\":" + new string('[', 1000) + new string(']', 1000) + "}";
        Assert.Throws<InvalidDidDocumentException>(() => DidDocument.Parse(System.Text.Encoding.UTF8.GetBytes(json), Did));
    }

    internal static byte[] Doc(
        string publicKeyMultibase,
        string did = Did,
        string type = "Multikey",
        string keyId = "#atproto",
        string pdsId = "#atproto_pds",
        string pdsType = "AtprotoPersonalDataServer",
        string endpoint = "https://pds.example.com") =>
        System.Text.Encoding.UTF8.GetBytes($$"""
        {
          "@context": ["https://www.w3.org/ns/did/v1", "https://w3id.org/security/multikey/v1"],
          "id": "{{did}}",
          "alsoKnownAs": ["at://atproto.com", "https://not-a-handle.example", "at://Second.example"],
          "verificationMethod": [
            { "id": "#atproto_label", "type": "Multikey", "controller": "{{did}}", "publicKeyMultibase": "zQ3shqwJEJyMBsBXCWyCBpUBMqxcon9oHB7mCvx4sSpMdLJwc" },
            { "id": "{{keyId}}", "type": "{{type}}", "controller": "{{did}}", "publicKeyMultibase": "{{publicKeyMultibase}}" }
          ],
          "service": [
            { "id": "#bsky_notif", "type": "BskyNotificationService", "serviceEndpoint": "https://notif.example.com" },
            { "id": "{{pdsId}}", "type": "{{pdsType}}", "serviceEndpoint": "{{endpoint}}" }
          ]
        }
        """);

    private static byte[] Uncompressed(string curve, byte[] compressed)
    {
        if (curve == "k256")
        {
            NBitcoin.Secp256k1.ECPubKey.TryCreate(compressed, null, out _, out var k);
            return k!.ToBytes(compressed: false);
        }

        return Org.BouncyCastle.Asn1.Nist.NistNamedCurves.GetByName("P-256").Curve.DecodePoint(compressed).GetEncoded(compressed: false);
    }
}
