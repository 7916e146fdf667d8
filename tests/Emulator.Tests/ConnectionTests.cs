using System.Net.WebSockets;
using System.Text;

namespace Jetstream.Emulator.Tests;

public sealed class ConnectionTests
{
    [Fact]
    public async Task Drop_every_n_events_closes_each_connection_after_n_events_without_a_close_frame()
    {
        await using var emu = await JetstreamEmulator.StartAsync(new EmulatorOptions { DropEveryNEvents = 5 });
        await using var client = await TestSubscriber.ConnectAsync(emu.SubscribeUri);
        var times = emu.PublishMany(new EventGenerator(3).Take(12));

        var (frames, error) = await client.ReceiveUntilClosedAsync();

        Assert.Equal(times.Take(5), frames.Select(f => f.TimeUs));
        Assert.Equal(WebSocketError.ConnectionClosedPrematurely, error?.WebSocketErrorCode);

        // Counting is per connection: a reconnect resuming at the next event gets five more.
        await using var again = await TestSubscriber.ConnectAsync(emu.SubscribeUri, $"?cursor={times[5]}");
        var (second, _) = await again.ReceiveUntilClosedAsync();
        Assert.Equal(times.Skip(5).Take(5), second.Select(f => f.TimeUs));
    }

    [Fact]
    public async Task Drop_every_n_events_can_be_switched_on_while_running()
    {
        await using var emu = await JetstreamEmulator.StartAsync();
        await using var client = await TestSubscriber.ConnectAsync(emu.SubscribeUri);
        emu.Publish(Events.Identity());
        await client.ReceiveAsync();

        emu.Options.DropEveryNEvents = 2;
        var second = emu.Publish(Events.Identity());
        emu.Publish(Events.Identity());
        var (frames, error) = await client.ReceiveUntilClosedAsync();

        // The event sent before the switch counts too: the second event is the last.
        Assert.Equal([second], frames.Select(f => f.TimeUs));
        Assert.NotNull(error);
    }

    [Fact]
    public async Task Raw_frames_reach_live_clients_in_stream_order_but_are_never_replayed()
    {
        await using var emu = await JetstreamEmulator.StartAsync();
        await using var client = await TestSubscriber.ConnectAsync(emu.SubscribeUri, "?wantedCollections=app.bsky.feed.post");
        var first = emu.Publish(Events.Commit("app.bsky.feed.post"));
        emu.PublishRawFrame(Encoding.UTF8.GetBytes("{\"did\":truncated"), binary: false);
        emu.PublishRawFrame(new byte[] { 0x28, 0xB5, 0x2F, 0xFD }, binary: true);
        var last = emu.Publish(Events.Commit("app.bsky.feed.post"));

        var frames = await client.ReceiveUntilAsync(f => f.Type == WebSocketMessageType.Text && f.Text.Contains($"\"time_us\":{last}"));

        Assert.Equal(4, frames.Count);
        Assert.Equal(first, frames[0].TimeUs);
        Assert.Equal("{\"did\":truncated", frames[1].Text);
        Assert.Equal(WebSocketMessageType.Binary, frames[2].Type);
        Assert.Equal(new byte[] { 0x28, 0xB5, 0x2F, 0xFD }, frames[2].Payload);
        Assert.Equal(2, emu.Log.Count);

        await using var replay = await TestSubscriber.ConnectAsync(emu.SubscribeUri, "?cursor=0");
        var replayed = await replay.ReceiveUntilAsync(f => f.TimeUs == last);
        Assert.Equal([first, last], replayed.Select(f => f.TimeUs));
    }

    [Fact]
    public async Task The_server_sends_ping_frames_at_the_configured_interval()
    {
        await using var emu = await JetstreamEmulator.StartAsync(new EmulatorOptions { PingInterval = TimeSpan.FromMilliseconds(100) });
        using var raw = await RawWebSocket.ConnectAsync(emu.BaseUri, "/subscribe");
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(5));

        var (opcode, _) = await raw.ReadFrameAsync(timeout.Token);

        Assert.Equal(0x9, opcode);
    }

    [Fact]
    public async Task Drop_all_connections_closes_without_a_close_frame_and_clients_can_reconnect()
    {
        await using var emu = await JetstreamEmulator.StartAsync();
        await using var a = await TestSubscriber.ConnectAsync(emu.SubscribeUri);
        await using var b = await TestSubscriber.ConnectAsync(emu.SubscribeUri, "?wantedCollections=app.bsky.feed.post");
        await emu.WaitForConnectionsAsync(2, TimeSpan.FromSeconds(5));

        emu.DropAllConnections();

        Assert.Equal(0, emu.ActiveConnections);
        Assert.Equal(WebSocketError.ConnectionClosedPrematurely, (await a.ReceiveUntilClosedAsync()).Error?.WebSocketErrorCode);
        Assert.Equal(WebSocketError.ConnectionClosedPrematurely, (await b.ReceiveUntilClosedAsync()).Error?.WebSocketErrorCode);

        await using var c = await TestSubscriber.ConnectAsync(emu.SubscribeUri);
        await emu.WaitForConnectionsAsync(1, TimeSpan.FromSeconds(5));
        Assert.Equal(3, emu.ConnectionsAccepted);
    }

    [Fact]
    public async Task A_slow_consumer_is_cut_off_when_its_outbox_overflows()
    {
        await using var emu = await JetstreamEmulator.StartAsync(new EmulatorOptions { OutboxCapacity = 50 });
        await using var client = await TestSubscriber.ConnectAsync(emu.SubscribeUri);
        var generator = new EventGenerator(5);

        // The socket buffers absorb some megabytes before the outbox can fill; keep publishing until it does.
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (emu.ActiveConnections > 0 && DateTime.UtcNow < deadline)
        {
            emu.PublishMany(generator.Take(1_000));
        }

        var (frames, error) = await client.ReceiveUntilClosedAsync(TimeSpan.FromSeconds(20));

        Assert.Equal(1, emu.Stats.SlowConsumerDrops);
        Assert.NotNull(error);
        Assert.True(frames.Count < emu.Log.Count);
    }

    [Fact]
    public async Task The_unpaced_feed_waits_for_slow_readers_instead_of_dropping_them()
    {
        await using var emu = await JetstreamEmulator.StartAsync(new EmulatorOptions { EventsPerSecond = double.PositiveInfinity, OutboxCapacity = 300 });
        await using var client = await TestSubscriber.ConnectAsync(emu.SubscribeUri);

        var received = new List<long>();
        for (var i = 0; i < 3_000; i++)
        {
            received.Add((await client.ReceiveAsync()).TimeUs);
            if (i % 500 == 0)
            {
                // A reader that pauses: the feed must stall, not overflow the 300-event outbox.
                await Task.Delay(200);
            }
        }

        emu.Options.EventsPerSecond = 0;
        Assert.Equal(0, emu.Stats.SlowConsumerDrops);
        Assert.Equal(WebSocketState.Open, client.State);
        Assert.Equal(emu.Log.Take(3_000).Select(e => e.TimeUs), received);
    }

    [Fact]
    public async Task Wait_for_connections_times_out_with_a_message_saying_what_is_missing()
    {
        await using var emu = await JetstreamEmulator.StartAsync();

        var error = await Assert.ThrowsAsync<TimeoutException>(() => emu.WaitForConnectionsAsync(1, TimeSpan.FromMilliseconds(50)));

        Assert.Contains("Expected 1 open connection(s)", error.Message);
    }

    [Theory]
    [InlineData("/subscribe", 1)]
    [InlineData("/subscribe?compress=true", 2)]
    [InlineData("/xrpc/network.bsky.jetstream.subscribeEvents", 1)]
    public async Task With_FragmentBytes_a_message_arrives_in_fragments_cut_anywhere_that_join_to_the_same_bytes(string pathAndQuery, int opcode)
    {
        await using var emu = await JetstreamEmulator.StartAsync(new EmulatorOptions { FragmentBytes = 7 });
        await using var whole = await TestSubscriber.ConnectAsync(new Uri(emu.SubscribeUri, pathAndQuery));
        using var raw = await RawWebSocket.ConnectAsync(emu.BaseUri, pathAndQuery);
        await emu.WaitForConnectionsAsync(2, TimeSpan.FromSeconds(5));

        emu.Publish(Events.Commit("app.bsky.feed.post"));
        var expected = (await whole.ReceiveAsync()).Payload;
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        var fragments = new List<(int Opcode, byte[] Payload)>();
        while (fragments.Sum(f => f.Payload.Length) < expected.Length)
        {
            fragments.Add(await raw.ReadFrameAsync(timeout.Token));
        }

        Assert.Equal(opcode, fragments[0].Opcode);
        Assert.All(fragments.Skip(1), f => Assert.Equal(0, f.Opcode));
        Assert.All(fragments.SkipLast(1), f => Assert.Equal(7, f.Payload.Length));
        Assert.Equal(expected, fragments.SelectMany(f => f.Payload));
        var plain = opcode == 2 ? Zstd.Decode(expected, Zstd.LegacyDictionary) : expected;
        Assert.Contains("\"text\":\"héllo 👋\"", System.Text.Encoding.UTF8.GetString(plain));
    }
}
