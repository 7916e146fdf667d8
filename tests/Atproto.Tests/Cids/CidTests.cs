using Jetstream.Atproto.Cids;

namespace Jetstream.Atproto.Tests.Cids;

public sealed class CidTests
{
    [Fact]
    public void Cids_of_the_data_model_fixtures_are_computed_from_their_bytes_and_round_trip_as_strings()
    {
        foreach (var fixture in Fixture.Json("data-model/data-model-fixtures.json").EnumerateArray())
        {
            var expected = fixture.GetProperty("cid").GetString()!;
            var cid = Cid.Compute(Cid.DagCborCodec, Fixture.Base64NoPadding(fixture.GetProperty("cbor_base64").GetString()!));
            Assert.Equal(expected, cid.ToString());
            Assert.Equal(cid, Cid.Parse(expected));
            Assert.Equal(cid, Cid.FromBytes(cid.ToBytes()));
        }
    }

    [Fact]
    public void A_raw_cid_keeps_its_codec()
    {
        var cid = Cid.Parse("bafkreiccldh766hwcnuxnf2wh6jgzepf2nlu2lvcllt63eww5p6chi4ity");
        Assert.Equal(Cid.RawCodec, cid.Codec);
        Assert.Equal("bafkreiccldh766hwcnuxnf2wh6jgzepf2nlu2lvcllt63eww5p6chi4ity", cid.ToString());
        Assert.NotEqual(Cid.Parse("bafyreiclp443lavogvhj3d2ob2cxbfuscni2k5jk7bebjzg7khl3esabwq"), cid);
    }

    [Theory]
    [InlineData("QmbWqxBEKC3P8tqsKc98xmWNzrzDtRLMiMPL8wBuTGsMnR", "base32 multibase")]
    [InlineData("bafybeigdyrzt5sfp7udm7hu76uh7y26nf3efuylqabf3oclgtqy55fbzdi", "codec 0x70")]
    [InlineData("bafyreiclp443lavogvhj3d2ob2cxbfuscni2k5jk7bebjzg7khl3esabw", "36 bytes")]
    [InlineData("BAFYREICLP443LAVOGVHJ3D2OB2CXBFUSCNI2K5JK7BEBJZG7KHL3ESABWQ", "base32 multibase")]
    [InlineData(" bafyreiclp443lavogvhj3d2ob2cxbfuscni2k5jk7bebjzg7khl3esabwq", "base32 multibase")]
    [InlineData("b!!!", "lower-case base32")]
    public void Unsupported_or_malformed_cids_are_refused_with_the_reason(string text, string reason)
    {
        var error = Assert.Throws<AtprotoException>(() => Cid.Parse(text));
        Assert.Contains(reason, error.Message);
    }

    [Fact]
    public void Matches_hashes_the_bytes_as_given()
    {
        var block = "hello"u8.ToArray();
        var cid = Cid.Compute(Cid.RawCodec, block);
        Assert.True(cid.Matches(block));
        block[0] ^= 1;
        Assert.False(cid.Matches(block));
    }
}
