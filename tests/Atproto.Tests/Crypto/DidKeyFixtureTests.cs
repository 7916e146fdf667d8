using System.Text.Json;
using Jetstream.Atproto.Crypto;
using SimpleBase;

namespace Jetstream.Atproto.Tests.Crypto;

public sealed class DidKeyFixtureTests
{
    [Theory]
    [InlineData("w3c_didkey_K256.json", "k256")]
    [InlineData("w3c_didkey_P256.json", "p256")]
    public void Private_key_from_the_w3c_fixture_gives_its_did_key_and_the_did_key_parses_back(string file, string curve)
    {
        var path = Path.Combine(AppContext.BaseDirectory, "Fixtures", "interop", "crypto", file);
        var cases = JsonDocument.Parse(File.ReadAllBytes(path)).RootElement.EnumerateArray().ToList();
        Assert.NotEmpty(cases);
        foreach (var fixture in cases)
        {
            var raw = fixture.TryGetProperty("privateKeyBytesHex", out var hex)
                ? Convert.FromHexString(hex.GetString()!)
                : Base58.Bitcoin.Decode(fixture.GetProperty("privateKeyBytesBase58").GetString()!);
            var expected = fixture.GetProperty("publicDidKey").GetString()!;

            var key = AtprotoPrivateKey.Import(curve, raw);

            Assert.Equal(expected, key.PublicKey.ToDidKey());
            Assert.Equal(raw, key.ToBytes());
            var parsed = AtprotoPublicKey.ParseDidKey(expected);
            Assert.Equal(curve, parsed.Curve);
            Assert.Equal(key.PublicKey, parsed);
        }
    }
}
