using System.Net.WebSockets;

namespace Jetstream.Emulator.Tests;

public sealed class HelloTests
{
    private static string Hello(string collections = "[]", string dids = "[]") =>
        $$$"""{"type":"options_update","payload":{"wantedCollections":{{{collections}}},"wantedDids":{{{dids}}}}}""";

    [Fact]
    public async Task Require_hello_holds_every_event_until_the_first_options_update()
    {
        await using var emu = await JetstreamEmulator.StartAsync();
        await using var client = await TestSubscriber.ConnectAsync(emu.SubscribeUri, "?requireHello=true");
        var before = emu.Publish(Events.Commit("app.bsky.feed.post"));

        Assert.True(await client.NothingArrivesWithinAsync(TimeSpan.FromMilliseconds(300)));

        await client.SendTextAsync(Hello("""["app.bsky.feed.post"]"""));
        var afterHello = await client.ReceiveAsync();
        emu.Publish(Events.Commit("app.bsky.feed.like"));
        var live = emu.Publish(Events.Commit("app.bsky.feed.post"));

        // The legacy server queues pre-hello events under the URL's filters and sends them after the hello (§2.6).
        Assert.Equal(before, afterHello.TimeUs);
        Assert.Equal(live, (await client.ReceiveAsync()).TimeUs);
    }

    [Fact]
    public async Task Require_hello_with_a_cursor_replays_under_the_hello_filters()
    {
        await using var emu = await JetstreamEmulator.StartAsync();
        var cursor = emu.Publish(Events.Commit("app.bsky.feed.like"));
        var post = emu.Publish(Events.Commit("app.bsky.feed.post"));
        await using var client = await TestSubscriber.ConnectAsync(emu.SubscribeUri, $"?requireHello=true&cursor={cursor}");

        Assert.True(await client.NothingArrivesWithinAsync(TimeSpan.FromMilliseconds(200)));
        await client.SendTextAsync(Hello("""["app.bsky.feed.post"]"""));

        Assert.Equal(post, (await client.ReceiveAsync()).TimeUs);
    }

    [Fact]
    public async Task Options_update_replaces_both_filters_and_omitted_ones_mean_all()
    {
        await using var emu = await JetstreamEmulator.StartAsync();
        await using var client = await TestSubscriber.ConnectAsync(emu.SubscribeUri, $"?wantedCollections=app.bsky.feed.like&wantedDids={Events.Alice}");
        await client.SendTextAsync("""{"type":"options_update","payload":{"wantedCollections":["app.bsky.feed.post"]}}""");
        // No acknowledgement exists on the wire: wait until an event proves the update applied.
        await WaitUntilDeliveredAsync(emu, client, Events.Commit("app.bsky.feed.post", Events.Bob));

        emu.Publish(Events.Commit("app.bsky.feed.like", Events.Alice));
        var bobPost = emu.Publish(Events.Commit("app.bsky.feed.post", Events.Bob));

        Assert.Equal(bobPost, (await client.ReceiveAsync()).TimeUs);
    }

    [Theory]
    [InlineData("{not json", "failed to parse subscriber options: ")]
    [InlineData("""{"type":"options_update","payload":{"wantedCollections":["app.*.post"]}}""", "failed to parse subscriber options: invalid subscriber options: invalid collection: app.*.post")]
    [InlineData("""{"type":"options_update","payload":{"wantedDids":["nope"]}}""", "failed to parse subscriber options: invalid subscriber options")]
    [InlineData("""{"type":"options_update","payload":{"wantedCollections":"app.bsky.feed.post"}}""", "failed to parse subscriber options: ")]
    public async Task Invalid_options_update_closes_with_1000_and_the_reason(string message, string reasonStart)
    {
        await using var emu = await JetstreamEmulator.StartAsync();
        await using var client = await TestSubscriber.ConnectAsync(emu.SubscribeUri);

        await client.SendTextAsync(message);
        var (_, error) = await client.ReceiveUntilClosedAsync();

        Assert.Null(error);
        Assert.Equal(WebSocketCloseStatus.NormalClosure, client.CloseStatus);
        Assert.StartsWith(reasonStart, client.CloseStatusDescription);
        if (!reasonStart.EndsWith(": ", StringComparison.Ordinal))
        {
            Assert.Equal(reasonStart, client.CloseStatusDescription);
        }
    }

    [Fact]
    public async Task More_than_10000_wanted_dids_in_a_hello_close_the_connection()
    {
        await using var emu = await JetstreamEmulator.StartAsync();
        await using var client = await TestSubscriber.ConnectAsync(emu.SubscribeUri, "?requireHello=true");
        var dids = string.Join(',', Enumerable.Range(0, 10_001).Select(i => $"\"did:plc:{i:d24}\""));

        await client.SendTextAsync(Hello(dids: $"[{dids}]"));
        await client.ReceiveUntilClosedAsync();

        Assert.Equal("failed to parse subscriber options: invalid subscriber options: too many wanted DIDs", client.CloseStatusDescription);
    }

    [Fact]
    public async Task Messages_of_other_types_are_ignored_and_do_not_count_as_hello()
    {
        await using var emu = await JetstreamEmulator.StartAsync();
        await using var client = await TestSubscriber.ConnectAsync(emu.SubscribeUri, "?requireHello=true");

        await client.SendTextAsync("""{"type":"something_else","payload":{}}""");
        emu.Publish(Events.Identity());

        Assert.True(await client.NothingArrivesWithinAsync(TimeSpan.FromMilliseconds(300)));
        Assert.Equal(WebSocketState.Open, client.State);
    }

    private static async Task WaitUntilDeliveredAsync(JetstreamEmulator emu, TestSubscriber client, string probe)
    {
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (DateTime.UtcNow < deadline)
        {
            var time = emu.Publish(probe);
            try
            {
                if ((await client.ReceiveUntilAsync(f => f.TimeUs >= time, TimeSpan.FromMilliseconds(200))).Last().TimeUs == time)
                {
                    return;
                }
            }
            catch (TimeoutException)
            {
                // Not applied yet.
            }
        }

        throw new TimeoutException("The options_update never took effect.");
    }
}
