namespace Jetstream.Emulator.Tests;

public sealed class FilterTests
{
    private const string Marker = "zz.end.marker";

    [Fact]
    public async Task Dot_star_matches_by_plain_prefix_and_other_patterns_match_exactly()
    {
        await using var emu = await JetstreamEmulator.StartAsync();
        await using var client = await TestSubscriber.ConnectAsync(
            emu.SubscribeUri, $"?wantedCollections=app.bsky.graph.*&wantedCollections=app.bsky.feed.post&wantedCollections={Marker}");

        string[] published =
        [
            "app.bsky.graph.follow", "app.bsky.graph", "app.bsky.graphx.foo", "app.bsky.graph.block",
            "app.bsky.feed.postx", "app.bsky.feed.post", "app.bsky.graph.x.y", "app.bsky.feed.like",
        ];
        emu.PublishMany(published.Select(c => Events.Commit(c)));
        emu.Publish(Events.Commit(Marker));

        var received = await client.ReceiveUntilAsync(f => f.Text.Contains(Marker));

        Assert.Equal(
            ["app.bsky.graph.follow", "app.bsky.graph.block", "app.bsky.feed.post", "app.bsky.graph.x.y", Marker],
            received.Select(f => Collection(f.Text)));
    }

    [Fact]
    public async Task Identity_and_account_events_bypass_the_collection_filter()
    {
        await using var emu = await JetstreamEmulator.StartAsync();
        await using var client = await TestSubscriber.ConnectAsync(emu.SubscribeUri, $"?wantedCollections={Marker}");

        emu.Publish(Events.Commit("app.bsky.feed.like"));
        emu.Publish(Events.Identity());
        emu.Publish(Events.Account(Events.Bob));
        emu.Publish(Events.Commit(Marker));

        var received = await client.ReceiveUntilAsync(f => f.Text.Contains(Marker));

        Assert.Equal(3, received.Count);
        Assert.Contains("\"kind\":\"identity\"", received[0].Text);
        Assert.Contains("\"kind\":\"account\"", received[1].Text);
    }

    [Fact]
    public async Task Wanted_dids_filter_every_kind_of_event()
    {
        await using var emu = await JetstreamEmulator.StartAsync();
        await using var client = await TestSubscriber.ConnectAsync(emu.SubscribeUri, $"?wantedDids={Events.Alice}&wantedDids={Events.Alice}");

        emu.Publish(Events.Identity(Events.Bob));
        emu.Publish(Events.Account(Events.Bob));
        emu.Publish(Events.Commit("app.bsky.feed.like", Events.Bob));
        emu.Publish(Events.Account(Events.Alice));
        emu.Publish(Events.Commit(Marker, Events.Alice));

        var received = await client.ReceiveUntilAsync(f => f.Text.Contains(Marker));

        Assert.Equal(2, received.Count);
        Assert.All(received, f => Assert.StartsWith($"{{\"did\":\"{Events.Alice}\"", f.Text));
    }

    [Fact]
    public async Task Max_message_size_skips_larger_events_silently()
    {
        await using var emu = await JetstreamEmulator.StartAsync();
        var small = Events.Commit("app.bsky.feed.like");
        var large = Events.Commit("app.bsky.feed.post").Replace("héllo", new string('x', 2_000), StringComparison.Ordinal);
        await using var client = await TestSubscriber.ConnectAsync(emu.SubscribeUri, "?maxMessageSizeBytes=1000");

        emu.Publish(large);
        emu.Publish(small);

        var first = await client.ReceiveAsync();
        Assert.Contains("app.bsky.feed.like", first.Text);
    }

    private static string Collection(string json)
    {
        using var document = System.Text.Json.JsonDocument.Parse(json);
        return document.RootElement.GetProperty("commit").GetProperty("collection").GetString()!;
    }
}
