using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Jetstream.Atproto.DagCbor;

namespace Jetstream.Atproto.Tests.DagCbor;

public sealed class DataModelFixtureTests
{
    [Fact]
    public void Fixture_cbor_converts_to_its_json_and_its_json_to_the_same_cbor_bytes()
    {
        foreach (var fixture in Fixture.Json("data-model/data-model-fixtures.json").EnumerateArray())
        {
            var cbor = Fixture.Base64NoPadding(fixture.GetProperty("cbor_base64").GetString()!);
            var json = fixture.GetProperty("json");
            var converted = JsonNode.Parse(DagCborJson.ToJsonUtf8(cbor));
            Assert.True(JsonNode.DeepEquals(JsonNode.Parse(json.GetRawText()), converted), $"{converted}");
            Assert.Equal(cbor, DagCborJson.FromJson(json));
        }
    }

    [Fact]
    public void Valid_fixtures_encode_and_come_back_equal()
    {
        foreach (var fixture in Fixture.Json("data-model/data-model-valid.json").EnumerateArray())
        {
            var cbor = DagCborJson.FromJson(fixture.GetProperty("json"));
            DagCborJson.Validate(cbor);
            Assert.Equal(cbor, DagCborJson.FromJson(Encoding.UTF8.GetString(DagCborJson.ToJsonUtf8(cbor))));
        }
    }

    [Fact]
    public void Invalid_fixtures_are_refused_each_with_an_atproto_error()
    {
        var refused = 0;
        foreach (var fixture in Fixture.Json("data-model/data-model-invalid.json").EnumerateArray())
        {
            var note = fixture.GetProperty("note").GetString();
            var error = Record.Exception(() => DagCborJson.FromJson(fixture.GetProperty("json")));
            Assert.True(error is AtprotoException, $"'{note}' was not refused");
            refused++;
        }
        Assert.True(refused >= 10);
    }

    [Fact]
    public void Non_ascii_text_is_written_as_itself_not_escaped()
    {
        var cbor = DagCborJson.FromJson("""{"text":"héllo wörld ✨ 日本語 😀","$type":"app.bsky.feed.post"}""");
        var json = Encoding.UTF8.GetString(DagCborJson.ToJsonUtf8(cbor));
        Assert.Equal("""{"text":"héllo wörld ✨ 日本語 😀","$type":"app.bsky.feed.post"}""", json);
    }

    [Fact]
    public void A_writer_given_by_the_caller_receives_the_record()
    {
        var cbor = DagCborJson.FromJson("""{"a":[1,-2,true,null,{"$bytes":"AAEC"}]}""");
        using var stream = new MemoryStream();
        using (var writer = new Utf8JsonWriter(stream, DagCborJson.WriterOptions))
        {
            DagCborJson.WriteJson(cbor, writer);
        }
        Assert.Equal("""{"a":[1,-2,true,null,{"$bytes":"AAEC"}]}""", Encoding.UTF8.GetString(stream.ToArray()));
    }

    [Fact]
    public void Quotes_backslashes_and_control_characters_are_escaped()
    {
        var cbor = DagCborJson.FromJson("{\"t\":\"a\\\"b\\\\c\\nd\\u0001\"}");
        Assert.Equal("{\"t\":\"a\\\"b\\\\c\\nd\\u0001\"}", Encoding.UTF8.GetString(DagCborJson.ToJsonUtf8(cbor)));
    }
}
