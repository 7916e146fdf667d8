using Jetstream.Atproto.Crypto;
using Jetstream.Atproto.Repo;

namespace Jetstream.Atproto.Tests.Repo;

public sealed class CollectionFilterWalkTests
{
    // Collections whose keys sort next to each other, so a wrong subtree bound would drop or add records.
    private static readonly (string, int)[] Collections =
    [
        ("app.bsky.feed.post", 300), ("app.bsky.feed.postgate", 40), ("app.bsky.feed.post2", 30), ("app.bsky.feedx.item", 30),
        ("app.bsky.feed.like", 200), ("app.bsky.graph.follow", 50), ("com.example.a", 5), ("com.examplez.b", 5),
    ];

    [Theory]
    [InlineData("app.bsky.feed.post")]
    [InlineData("app.bsky.feed.postgate")]
    [InlineData("app.bsky.feed.*")]
    [InlineData("app.bsky.feed.post2", "com.example.a")]
    [InlineData("app.bsky.*")]
    [InlineData("app.*", "com.examplez.b")]
    [InlineData("com.example.*")]
    [InlineData("app.bsky.feed.p.*")]
    [InlineData("zzz.none.at.all")]
    public async Task A_filtered_walk_yields_exactly_the_matching_records_of_a_full_walk(params string[] patterns)
    {
        var built = TestRepos.Builder(AtprotoPrivateKey.Generate("p256"), Collections).Build(TestRepos.Rev);
        var filter = CollectionFilter.Parse(patterns);
        using var full = await TestRepos.ReadAsync(built);
        var expected = (await TestRepos.RecordsAsync(full)).Where(r => filter.Matches(r.Collection.Value)).Select(r => r.Cid).ToList();
        using var filtered = await TestRepos.ReadAsync(built);
        var actual = (await TestRepos.RecordsAsync(filtered, patterns)).Select(r => r.Cid).ToList();
        Assert.Equal(expected, actual);
        Assert.True(filtered.BlocksRead <= full.BlocksRead);
    }
}
