using System.Text.Json;
using Jetstream.Atproto.Crypto;

namespace Jetstream.Atproto.Tests.Crypto;

public sealed class SignatureFixtureTests
{
    public static TheoryData<string> Cases()
    {
        var data = new TheoryData<string>();
        foreach (var fixture in Load())
        {
            data.Add(fixture.GetProperty("comment").GetString()!);
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Fixture_signature_verifies_exactly_when_the_fixture_says_with_every_key_form(string comment)
    {
        var fixture = Load().Single(f => f.GetProperty("comment").GetString() == comment);
        var message = Base64(fixture.GetProperty("messageBase64").GetString()!);
        var signature = Base64(fixture.GetProperty("signatureBase64").GetString()!);
        var expected = fixture.GetProperty("validSignature").GetBoolean();

        var fromDidKey = AtprotoPublicKey.ParseDidKey(fixture.GetProperty("publicKeyDid").GetString()!);
        var fromLegacy = AtprotoPublicKey.ParseLegacyMultibase(
            fixture.GetProperty("didDocSuite").GetString()!, fixture.GetProperty("publicKeyMultibase").GetString()!);

        Assert.Equal(fixture.GetProperty("algorithm").GetString() == "ES256K" ? "k256" : "p256", fromDidKey.Curve);
        Assert.Equal(fromDidKey, fromLegacy);
        Assert.Equal(fixture.GetProperty("publicKeyDid").GetString(), fromLegacy.ToDidKey());
        Assert.Equal(expected, fromDidKey.VerifySignature(message, signature));
        Assert.Equal(expected, fromLegacy.VerifySignature(message, signature));
    }

    [Fact]
    public void Fixtures_cover_valid_high_s_and_der_for_both_curves()
    {
        var tags = Load()
            .Select(f => (f.GetProperty("algorithm").GetString(), f.GetProperty("tags").EnumerateArray().Select(t => t.GetString()).FirstOrDefault() ?? "valid"))
            .ToHashSet();
        foreach (var algorithm in new[] { "ES256", "ES256K" })
        {
            foreach (var tag in new[] { "valid", "high-s", "der-encoded" })
            {
                Assert.Contains((algorithm, tag), tags);
            }
        }
    }

    [Fact]
    public void A_valid_signature_with_one_bit_changed_in_the_message_does_not_verify()
    {
        var fixture = Load().First(f => f.GetProperty("validSignature").GetBoolean());
        var message = Base64(fixture.GetProperty("messageBase64").GetString()!);
        message[0] ^= 1;
        var key = AtprotoPublicKey.ParseDidKey(fixture.GetProperty("publicKeyDid").GetString()!);

        Assert.False(key.VerifySignature(message, Base64(fixture.GetProperty("signatureBase64").GetString()!)));
    }

    internal static byte[] Base64(string unpadded) =>
        Convert.FromBase64String(unpadded.PadRight(unpadded.Length + ((4 - (unpadded.Length % 4)) % 4), '='));

    private static List<JsonElement> Load()
    {
        var path = Path.Combine(AppContext.BaseDirectory, "Fixtures", "interop", "crypto", "signature-fixtures.json");
        return JsonDocument.Parse(File.ReadAllBytes(path)).RootElement.EnumerateArray().ToList();
    }
}
