using System.Globalization;
using System.Net;
using Microsoft.Extensions.Time.Testing;

namespace Jetstream.Emulator.Tests;

/// <summary>
/// /subscribe with a retention window (PROTOCOL.md §2.4: a cursor older than retention is clamped silently, so a
/// client can only see the gap in the first event's time) and as a v2 server's /subscribe (§3.2: the cursor field).
/// </summary>
public sealed class V1RetentionTests
{
    private static readonly DateTimeOffset Start = DateTimeOffset.Parse("2026-05-25T14:00:00Z", CultureInfo.InvariantCulture);

    [Fact]
    public async Task A_cursor_older_than_the_retention_starts_at_the_oldest_retained_event_without_notice()
    {
        var clock = new FakeTimeProvider(Start);
        await using var emu = await JetstreamEmulator.StartAsync(new EmulatorOptions { Retention = TimeSpan.FromMinutes(10) }, clock);
        var old = emu.PublishMany(new EventGenerator(1).Take(3));
        clock.Advance(TimeSpan.FromMinutes(12));
        var kept = emu.PublishMany(new EventGenerator(2).Take(2));
        clock.Advance(TimeSpan.FromMinutes(3));

        await using var client = await TestSubscriber.ConnectAsync(emu.SubscribeUri, $"?cursor={old[0]}");
        var first = await client.ReceiveAsync();

        // All a client has to go on: its first event is 12 minutes after its cursor, more than the 10-minute retention.
        Assert.Equal(kept[0], first.TimeUs);
        Assert.Equal(kept[0] - old[0], (long)TimeSpan.FromMinutes(12).TotalMicroseconds);
        Assert.Equal(kept, emu.Log.Select(e => e.TimeUs));
    }

    [Fact]
    public async Task Retention_set_at_run_time_trims_on_the_next_connect()
    {
        var clock = new FakeTimeProvider(Start);
        await using var emu = await JetstreamEmulator.StartAsync(null, clock);
        var times = emu.PublishMany(new EventGenerator(1).Take(4));
        clock.Advance(TimeSpan.FromSeconds(3));

        emu.Options.Retention = TimeSpan.FromSeconds(2);
        await using var client = await TestSubscriber.ConnectAsync(emu.SubscribeUri, $"?cursor={times[0]}");
        var later = emu.Publish(Events.Identity());

        Assert.Equal(later, (await client.ReceiveAsync()).TimeUs);
        Assert.Equal(5, emu.FloorSeq);
    }

    [Fact]
    public async Task A_v2_style_subscribe_adds_the_seq_as_cursor_after_time_us()
    {
        var clock = new FakeTimeProvider(Start);
        await using var emu = await JetstreamEmulator.StartAsync(new EmulatorOptions { V2StyleSubscribe = true }, clock);
        await using var compressed = await TestSubscriber.ConnectAsync(emu.SubscribeUri, "?compress=true");
        await using var client = await TestSubscriber.ConnectAsync(emu.SubscribeUri);

        emu.Publish(Events.Delete("app.bsky.feed.post"));
        emu.Publish(Events.Identity());

        Assert.Equal(
            """{"did":"did:plc:aliceaaaaaaaaaaaaaaaaaaa","time_us":1779717600000000,"cursor":1,"kind":"commit","commit":{"rev":"3mmoojp7vgo2h","operation":"delete","collection":"app.bsky.feed.post","rkey":"3mmoojp7etg2g"}}""",
            (await client.ReceiveAsync()).Text);
        Assert.Contains("\"time_us\":1779717600000001,\"cursor\":2,\"kind\":\"identity\"", (await client.ReceiveAsync()).Text);
        Assert.Contains(",\"cursor\":1,", System.Text.Encoding.UTF8.GetString(Zstd.Decode((await compressed.ReceiveAsync()).Payload, Zstd.LegacyDictionary)));
        // The log keeps the v1 shape; the cursor field belongs to the wire.
        Assert.DoesNotContain("cursor", emu.Log[0].Json);
    }

    [Fact]
    public async Task A_v2_style_subscribe_reads_a_small_cursor_as_a_seq_clamps_it_silently_and_refuses_a_negative_one()
    {
        await using var emu = await JetstreamEmulator.StartAsync(new EmulatorOptions { V2StyleSubscribe = true });
        using var http = new HttpClient { BaseAddress = emu.BaseUri };
        var times = emu.PublishMany(new EventGenerator(1).Take(6));
        emu.Trim(3);

        await using var bySeq = await TestSubscriber.ConnectAsync(emu.SubscribeUri, "?cursor=4");
        await using var belowFloor = await TestSubscriber.ConnectAsync(emu.SubscribeUri, "?cursor=1");
        await using var byTime = await TestSubscriber.ConnectAsync(emu.SubscribeUri, $"?cursor={times[4]}");
        using var negative = await http.GetAsync("/subscribe?cursor=-1");

        Assert.Equal(times[3], (await bySeq.ReceiveAsync()).TimeUs);
        Assert.Equal(times[2], (await belowFloor.ReceiveAsync()).TimeUs);
        Assert.Equal(times[4], (await byTime.ReceiveAsync()).TimeUs);
        Assert.Equal(HttpStatusCode.BadRequest, negative.StatusCode);
        Assert.Equal("subscribe: invalid cursor: negative value -1", await negative.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task A_v2_style_subscribe_refuses_zstd_together_with_permessage_deflate()
    {
        await using var emu = await JetstreamEmulator.StartAsync(new EmulatorOptions { V2StyleSubscribe = true });
        using var http = new HttpClient { BaseAddress = emu.BaseUri };
        using var request = new HttpRequestMessage(HttpMethod.Get, "/subscribe?compress=true");
        request.Headers.Add("Sec-WebSocket-Extensions", "permessage-deflate; client_max_window_bits");

        using var response = await http.SendAsync(request);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.StartsWith("choose one compression scheme", await response.Content.ReadAsStringAsync());
    }
}
