using System.Text;
using Jetstream.Grains.Interfaces.Events;
using Jetstream.Grains.Events;
using Jetstream.Grains.Processing;

namespace Jetstream.Grains.Tests.Unit;

public sealed class CollectionFilterTests
{
    [Theory]
    [InlineData("app.bsky.graph.*", "app.bsky.graph.follow", true)]
    [InlineData("app.bsky.graph.*", "app.bsky.graph.x.y", true)]
    [InlineData("app.bsky.graph.*", "app.bsky.graph", false)]
    [InlineData("app.bsky.graph.*", "app.bsky.graphx.foo", false)]
    [InlineData("work.doing.*", "work.doing.task", true)]
    [InlineData("work.doing.*", "work.doingx.task", false)]
    [InlineData("blue.2048.*", "blue.2048.game", true)]
    [InlineData("app.bsky.feed.post", "app.bsky.feed.post", true)]
    [InlineData("app.bsky.feed.post", "app.bsky.feed.postx", false)]
    [InlineData(".*", "app.bsky.feed.post", false)]
    public void Trailing_dot_star_is_a_plain_prefix_and_anything_else_is_exact(string pattern, string collection, bool matches)
    {
        var filter = new CollectionFilter([pattern]);
        Assert.Equal(matches, filter.Matches(collection));
        var json = Encoding.UTF8.GetBytes($"{{\"did\":\"did:plc:a\",\"time_us\":1,\"kind\":\"commit\",\"commit\":{{\"rev\":\"r\",\"operation\":\"create\",\"collection\":\"{collection}\",\"rkey\":\"k\"}}}}");
        EventParser.Parse(json, out var parsed);
        Assert.Equal(matches, new Utf8CollectionMatcher(filter).Matches(json, parsed.Collection));
    }

    [Fact]
    public void An_empty_filter_matches_every_collection() =>
        Assert.True(new CollectionFilter([]).Matches("<script>alert(1)</script>"));

    [Theory]
    [InlineData("app.bsky.graph.*", true)]
    [InlineData("app.bsky.*", true)]
    [InlineData("foo_bar.*", true)]
    [InlineData("app.bsky.feed.post", true)]
    [InlineData("*", false)]
    [InlineData("*.foo", false)]
    [InlineData("app.*.post", false)]
    [InlineData("app.bsky.graph.fo*", false)]
    [InlineData("app.bsky", false)]
    [InlineData("", false)]
    public void Patterns_are_valid_exactly_when_the_server_accepts_them(string pattern, bool valid) =>
        Assert.Equal(valid, CollectionFilter.IsValidPattern(pattern, out _));
}
