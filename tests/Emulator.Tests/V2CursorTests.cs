using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.Extensions.Time.Testing;

namespace Jetstream.Emulator.Tests;

/// <summary>subscribeEvents cursors (PROTOCOL.md §3.1): seq or timestamp, CursorTooOld, #info OutdatedCursor.</summary>
public sealed class V2CursorTests
{
    [Fact]
    public async Task A_seq_cursor_replays_inclusively_then_goes_live_without_gaps_or_duplicates()
    {
        await using var emu = await JetstreamEmulator.StartAsync();
        emu.PublishMany(new EventGenerator(1).Take(10));
        await using var client = await TestSubscriber.ConnectAsync(emu.SubscribeEventsUri, "?cursor=4");

        var replayed = await ReceiveSeqsAsync(client, 7);
        emu.PublishMany(new EventGenerator(2).Take(3));
        var live = await ReceiveSeqsAsync(client, 3);

        Assert.Equal(Enumerable.Range(4, 10).Select(i => (long)i), [.. replayed, .. live]);
    }

    [Theory]
    [InlineData("?cursor=0", 1)]
    [InlineData("?cursor=1", 1)]
    [InlineData("?cursor=6", 6)]
    [InlineData("?cursor=999", 6)]
    [InlineData("", 6)]
    public async Task Cursor_zero_is_before_the_first_event_and_one_at_or_past_the_next_seq_is_a_live_tail(string query, long firstSeq)
    {
        await using var emu = await JetstreamEmulator.StartAsync();
        emu.PublishMany(new EventGenerator(1).Take(5));
        await using var client = await TestSubscriber.ConnectAsync(emu.SubscribeEventsUri, query);
        await emu.WaitForConnectionsAsync(1, TimeSpan.FromSeconds(5));

        emu.Publish(Events.Identity());

        Assert.Equal(firstSeq, V2Frames.Seq(await client.ReceiveAsync()));
    }

    [Fact]
    public async Task A_seq_cursor_below_the_floor_is_refused_with_CursorTooOld_naming_the_floor()
    {
        await using var emu = await JetstreamEmulator.StartAsync();
        using var http = new HttpClient { BaseAddress = emu.BaseUri };
        emu.PublishMany(new EventGenerator(1).Take(10));

        Assert.Equal(6, emu.Trim(6));
        using var refused = await http.GetAsync("/xrpc/network.bsky.jetstream.subscribeEvents?cursor=5");
        var error = await Assert.ThrowsAsync<System.Net.WebSockets.WebSocketException>(() => TestSubscriber.ConnectAsync(emu.SubscribeEventsUri, "?cursor=5"));
        await using var atFloor = await TestSubscriber.ConnectAsync(emu.SubscribeEventsUri, "?cursor=6");

        Assert.Equal(HttpStatusCode.BadRequest, refused.StatusCode);
        var body = await refused.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal("CursorTooOld", body.GetProperty("error").GetString());
        Assert.Equal("subscribe: cursor too old: cursor 5 below lookback floor 6; re-backfill from your last seq", body.GetProperty("message").GetString());
        Assert.Contains("400", error.Message);
        Assert.Equal(6, V2Frames.Seq(await atFloor.ReceiveAsync()));
        Assert.Equal(1, emu.ConnectionsAccepted);
    }

    [Fact]
    public async Task The_time_retention_moves_the_floor_so_an_old_seq_cursor_is_too_old()
    {
        var clock = new FakeTimeProvider(DateTimeOffset.Parse("2026-05-25T14:00:00Z", System.Globalization.CultureInfo.InvariantCulture));
        await using var emu = await JetstreamEmulator.StartAsync(new EmulatorOptions { Retention = TimeSpan.FromMinutes(10) }, clock);
        using var http = new HttpClient { BaseAddress = emu.BaseUri };
        emu.PublishMany(new EventGenerator(1).Take(3));
        clock.Advance(TimeSpan.FromMinutes(5));
        emu.PublishMany(new EventGenerator(2).Take(2));

        clock.Advance(TimeSpan.FromMinutes(6));
        using var refused = await http.GetAsync("/xrpc/network.bsky.jetstream.subscribeEvents?cursor=3");

        Assert.Equal(4, emu.FloorSeq);
        Assert.Contains("below lookback floor 4", (await refused.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("message").GetString());
    }

    [Fact]
    public async Task A_timestamp_cursor_starts_at_the_first_seq_at_or_after_it_with_no_notice()
    {
        var clock = new FakeTimeProvider(DateTimeOffset.Parse("2026-05-25T14:00:00Z", System.Globalization.CultureInfo.InvariantCulture));
        await using var emu = await JetstreamEmulator.StartAsync(null, clock);
        foreach (var json in new EventGenerator(1).Take(5))
        {
            emu.Publish(json);
            clock.Advance(TimeSpan.FromSeconds(1));
        }

        await using var exact = await TestSubscriber.ConnectAsync(emu.SubscribeEventsUri, $"?cursor={emu.Log[2].TimeUs}");
        await using var between = await TestSubscriber.ConnectAsync(emu.SubscribeEventsUri, $"?cursor={emu.Log[2].TimeUs + 1}");
        await using var beforeAll = await TestSubscriber.ConnectAsync(emu.SubscribeEventsUri, $"?cursor={emu.Log[0].TimeUs - 60_000_000}");

        Assert.Equal(3, V2Frames.Seq(await exact.ReceiveAsync()));
        Assert.Equal(4, V2Frames.Seq(await between.ReceiveAsync()));
        // Nothing was ever trimmed, so nothing the client asked for is missing: no OutdatedCursor.
        Assert.Equal(1, V2Frames.Seq(await beforeAll.ReceiveAsync()));
    }

    [Fact]
    public async Task A_timestamp_cursor_below_the_floor_is_clamped_and_an_OutdatedCursor_info_frame_comes_first()
    {
        var clock = new FakeTimeProvider(DateTimeOffset.Parse("2026-05-25T14:00:00Z", System.Globalization.CultureInfo.InvariantCulture));
        await using var emu = await JetstreamEmulator.StartAsync(null, clock);
        emu.PublishMany(new EventGenerator(1).Take(5));
        var start = emu.Log[0].TimeUs;
        emu.Trim(4);

        await using var client = await TestSubscriber.ConnectAsync(emu.SubscribeEventsUri, $"?cursor={start}");
        var info = V2Frames.Json(await client.ReceiveAsync());
        var first = await client.ReceiveAsync();

        Assert.Equal(
            """{"$type":"message","payload":{"$type":"network.bsky.jetstream.subscribeEvents#info","message":"requested timestamp cursor below retention floor; starting at seq 4","name":"OutdatedCursor"}}""",
            info.GetRawText());
        Assert.Equal(4, V2Frames.Seq(first));
    }

    [Fact]
    public async Task A_replay_the_retention_overtakes_ends_with_an_InternalError_frame_instead_of_skipping()
    {
        await using var emu = await JetstreamEmulator.StartAsync();
        emu.PublishMany(new EventGenerator(3).Take(30_000));
        await using var client = await TestSubscriber.ConnectAsync(emu.SubscribeEventsUri, "?cursor=1");
        // The client reads nothing yet, so the replay stalls once the socket buffers are full.
        await Jetstream.TestSupport.Eventually.HoldsAsync(
            async () => { var before = emu.Connections[0].FramesSent; await Task.Delay(200); return before > 0 && emu.Connections[0].FramesSent == before; },
            TimeSpan.FromSeconds(10), "the replay to stall on a full socket");
        emu.Trim(29_000);

        var (frames, _) = await client.ReceiveUntilClosedAsync(TimeSpan.FromSeconds(30));

        var seqs = frames[..^1].Select(V2Frames.Seq).ToList();
        Assert.Equal(Enumerable.Range(1, seqs.Count).Select(i => (long)i), seqs);
        Assert.True(seqs.Count < 29_000);
        Assert.Equal("""{"$type":"error","error":"InternalError","message":"archive replay unavailable; reconnect"}""", frames[^1].Text);
    }

    private static async Task<List<long>> ReceiveSeqsAsync(TestSubscriber client, int count)
    {
        var seqs = new List<long>();
        for (var i = 0; i < count; i++)
        {
            seqs.Add(V2Frames.Seq(await client.ReceiveAsync()));
        }

        return seqs;
    }
}
