using System.Text;
using System.Text.Json;
using Jetstream.Atproto.Crypto;
using Jetstream.Atproto.DagCbor;
using Jetstream.Atproto.Repo;

namespace Jetstream.Atproto.Tests.Repo;

public sealed class RepoRoundTripTests
{
    [Theory]
    [InlineData("k256", 0)]
    [InlineData("k256", 1)]
    [InlineData("p256", 1)]
    [InlineData("k256", 10_000)]
    [InlineData("p256", 10_000)]
    public async Task A_built_repository_reads_back_verified_with_every_record_in_key_order(string curve, int count)
    {
        var key = AtprotoPrivateKey.Generate(curve);
        var built = TestRepos.Builder(key, ("app.bsky.feed.post", count)).Build(TestRepos.Rev);
        using var snapshot = await TestRepos.ReadAsync(built);

        snapshot.Verify(TestRepos.Alice, key.PublicKey);
        Assert.Equal(TestRepos.Alice, snapshot.Did);
        Assert.Equal(TestRepos.Rev, snapshot.Rev);
        Assert.Equal(built.CommitCid, snapshot.CommitCid);
        var records = await TestRepos.RecordsAsync(snapshot);
        Assert.Equal(count, records.Count);
        var expectedKeys = Enumerable.Range(0, count).Select(TestRepos.RecordKeyOf).Order(StringComparer.Ordinal).ToList();
        Assert.Equal(expectedKeys, records.Select(r => r.RecordKey.Value).ToList());
        Assert.All(records, r => Assert.True(r.Cid.Matches(r.Record.Span)));
    }

    [Fact]
    public async Task Records_convert_to_the_json_they_were_written_from_non_ascii_text_included()
    {
        var key = AtprotoPrivateKey.Generate("k256");
        var built = new RepoBuilder(TestRepos.Alice, key)
            .AddJson("app.bsky.feed.post", "3jzfcijpj2z2a", """{"$type":"app.bsky.feed.post","text":"Grüße aus Köln ✨ 😀 مرحبا","langs":["de"],"createdAt":"2026-01-01T00:00:00.000Z","embed":{"$type":"app.bsky.embed.images","images":[{"alt":"","image":{"$type":"blob","ref":{"$link":"bafkreiccldh766hwcnuxnf2wh6jgzepf2nlu2lvcllt63eww5p6chi4ity"},"mimeType":"image/jpeg","size":10000}}]}}""")
            .Build(TestRepos.Rev);
        using var snapshot = await TestRepos.ReadAsync(built);
        var record = Assert.Single(await TestRepos.RecordsAsync(snapshot));
        using var stream = new MemoryStream();
        using (var writer = new Utf8JsonWriter(stream, DagCborJson.WriterOptions))
        {
            record.WriteJson(writer);
        }
        var json = Encoding.UTF8.GetString(stream.ToArray());
        Assert.Contains("\"text\":\"Grüße aus Köln ✨ 😀 مرحبا\"", json);
        Assert.Contains("\"ref\":{\"$link\":\"bafkreiccldh766hwcnuxnf2wh6jgzepf2nlu2lvcllt63eww5p6chi4ity\"}", json);
        Assert.Equal("app.bsky.feed.post", record.Collection.Value);
        Assert.Equal("3jzfcijpj2z2a", record.RecordKey.Value);
    }

    [Fact]
    public async Task A_collection_filter_reads_only_the_subtrees_that_can_hold_it()
    {
        var key = AtprotoPrivateKey.Generate("k256");
        var built = TestRepos.Builder(key, ("app.bsky.feed.like", 3000), ("app.bsky.feed.post", 3000), ("app.bsky.graph.follow", 100), ("com.example.thing", 3000))
            .Build(TestRepos.Rev);

        using var all = await TestRepos.ReadAsync(built);
        Assert.Equal(9100, (await TestRepos.RecordsAsync(all)).Count);
        var everyBlock = all.BlocksRead;
        Assert.Equal(all.BlockCount, everyBlock);

        using var follows = await TestRepos.ReadAsync(built);
        var followRecords = await TestRepos.RecordsAsync(follows, "app.bsky.graph.follow");
        Assert.Equal(100, followRecords.Count);
        Assert.All(followRecords, r => Assert.Equal("app.bsky.graph.follow", r.Collection.Value));
        Assert.True(follows.BlocksRead < 100 + everyBlock / 20, $"read {follows.BlocksRead} of {everyBlock} blocks for 100 records");

        using var feed = await TestRepos.ReadAsync(built);
        var feedRecords = await TestRepos.RecordsAsync(feed, "app.bsky.feed.*", "com.example.thing");
        Assert.Equal(9000, feedRecords.Count);
        Assert.DoesNotContain(feedRecords, r => r.Collection.Value == "app.bsky.graph.follow");

        using var none = await TestRepos.ReadAsync(built);
        Assert.Empty(await TestRepos.RecordsAsync(none, "app.bsky.actor.profile", "org.example.*"));
        Assert.True(none.BlocksRead < 30, $"read {none.BlocksRead} blocks to find nothing");
    }

    [Theory]
    [InlineData("app.bsky.*.post")]
    [InlineData("*")]
    [InlineData("app bsky")]
    public void A_bad_filter_pattern_is_named(string pattern)
    {
        var error = Assert.Throws<AtprotoException>(() => CollectionFilter.Parse([pattern]));
        Assert.Contains($"'{pattern}' is neither an NSID nor a prefix", error.Message);
    }
}
