namespace Jetstream.Emulator.Tests;

public sealed class CursorTests
{
    [Fact]
    public async Task Cursor_replays_inclusively_then_continues_live_without_gap_or_duplicate()
    {
        await using var emu = await JetstreamEmulator.StartAsync();
        var generator = new EventGenerator(7);
        var times = emu.PublishMany(generator.Take(3_000));
        var cursor = times[1_000];

        // Keep publishing while the client replays, so the cutover to live happens under load.
        using var stop = new CancellationTokenSource();
        var publisher = Task.Run(async () =>
        {
            var more = new EventGenerator(8);
            while (!stop.IsCancellationRequested)
            {
                emu.PublishMany(more.Take(20));
                await Task.Delay(1);
            }
        });
        await using var client = await TestSubscriber.ConnectAsync(emu.SubscribeUri, $"?cursor={cursor}");
        var firstFew = await client.ReceiveUntilAsync(_ => true);
        await Task.Delay(300);
        await stop.CancelAsync();
        await publisher;
        var last = emu.Publish(Events.Commit("zz.end.marker"));

        var received = firstFew.Concat(await client.ReceiveUntilAsync(f => f.TimeUs == last, TimeSpan.FromSeconds(20))).Select(f => f.TimeUs).ToList();

        var expected = emu.Log.Where(e => e.TimeUs >= cursor).Select(e => e.TimeUs).ToList();
        Assert.Equal(cursor, received[0]);
        Assert.True(expected.Count > 2_000, $"only {expected.Count} events to replay");
        Assert.Equal(expected, received);
    }

    [Fact]
    public async Task A_cursor_in_the_future_is_a_live_tail()
    {
        await using var emu = await JetstreamEmulator.StartAsync();
        emu.PublishMany(new EventGenerator(1).Take(10));
        var future = DateTimeOffset.UtcNow.AddHours(1).ToUnixTimeMilliseconds() * 1000;
        await using var client = await TestSubscriber.ConnectAsync(emu.SubscribeUri, $"?cursor={future}");

        var live = emu.Publish(Events.Identity());

        Assert.Equal(live, (await client.ReceiveAsync()).TimeUs);
    }

    [Theory]
    [InlineData("0")]
    [InlineData("-5")]
    public async Task Zero_or_negative_cursor_replays_from_the_oldest_retained_event(string cursor)
    {
        await using var emu = await JetstreamEmulator.StartAsync(new EmulatorOptions { MaxLogEvents = 100 });
        emu.PublishMany(new EventGenerator(1).Take(1_000));
        var oldest = emu.Log[0].TimeUs;
        await using var client = await TestSubscriber.ConnectAsync(emu.SubscribeUri, $"?cursor={cursor}");

        var first = await client.ReceiveAsync();

        Assert.True(emu.Log.Count < 1_000, "retention should have dropped old events");
        Assert.Equal(oldest, first.TimeUs);
    }

    [Fact]
    public async Task Filters_apply_to_the_replay_too()
    {
        await using var emu = await JetstreamEmulator.StartAsync();
        var cursor = emu.Publish(Events.Commit("app.bsky.feed.like"));
        emu.Publish(Events.Commit("app.bsky.feed.post"));
        emu.Publish(Events.Commit("app.bsky.feed.like", Events.Bob));
        var marker = emu.Publish(Events.Commit("app.bsky.feed.post", Events.Bob));

        await using var client = await TestSubscriber.ConnectAsync(emu.SubscribeUri, $"?cursor={cursor}&wantedCollections=app.bsky.feed.post&wantedDids={Events.Bob}");

        Assert.Equal(marker, (await client.ReceiveAsync()).TimeUs);
        Assert.True(await client.NothingArrivesWithinAsync(TimeSpan.FromMilliseconds(200)));
    }
}
