using System.Net.WebSockets;
using System.Text.RegularExpressions;

namespace Jetstream.Emulator.Tests;

/// <summary>
/// v2 ConsumerTooSlow (PROTOCOL.md §3.2): a terminal error frame naming the cursor to resume at, then the connection
/// closes with no close frame ([V2] handler.go); resuming there loses nothing and repeats nothing.
/// </summary>
public sealed partial class ConsumerTooSlowTests
{
    [Fact]
    public async Task On_request_a_v2_connection_gets_ConsumerTooSlow_with_the_next_seq_and_resuming_there_loses_nothing()
    {
        await using var emu = await JetstreamEmulator.StartAsync();
        await using var client = await TestSubscriber.ConnectAsync(emu.SubscribeEventsUri);
        emu.PublishMany(new EventGenerator(1).Take(10));
        for (var i = 0; i < 10; i++)
        {
            await client.ReceiveAsync();
        }

        Assert.Equal(1, emu.SignalConsumerTooSlow(client.ConnectionId));
        var (frames, error) = await client.ReceiveUntilClosedAsync();
        emu.PublishMany(new EventGenerator(2).Take(5));
        await using var resumed = await TestSubscriber.ConnectAsync(emu.SubscribeEventsUri, $"?cursor={ResumeCursor(Assert.Single(frames))}");

        Assert.Equal(
            """{"$type":"error","error":"ConsumerTooSlow","message":"reading below the floor rate 0 events behind the tip; reconnect with cursor=11"}""",
            frames[0].Text);
        Assert.Equal(WebSocketError.ConnectionClosedPrematurely, error?.WebSocketErrorCode);
        for (var seq = 11; seq <= 15; seq++)
        {
            Assert.Equal(seq, V2Frames.Seq(await resumed.ReceiveAsync()));
        }
    }

    [Fact]
    public async Task A_v2_reader_that_falls_ConsumerTooSlowLag_behind_is_told_where_to_resume()
    {
        await using var emu = await JetstreamEmulator.StartAsync(new EmulatorOptions { ConsumerTooSlowLag = 50 });
        await using var client = await TestSubscriber.ConnectAsync(emu.SubscribeEventsUri);
        var generator = new EventGenerator(5);

        // The socket buffers absorb some megabytes before the outbox can fill; keep publishing until it does.
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (emu.ActiveConnections > 0 && DateTime.UtcNow < deadline)
        {
            emu.PublishMany(generator.Take(1_000));
        }

        var (frames, _) = await client.ReceiveUntilClosedAsync(TimeSpan.FromSeconds(20));
        var seqs = frames[..^1].Select(V2Frames.Seq).ToList();
        var resume = ResumeCursor(frames[^1]);
        await using var resumed = await TestSubscriber.ConnectAsync(emu.SubscribeEventsUri, $"?cursor={resume}");
        var next = V2Frames.Seq(await resumed.ReceiveAsync());

        Assert.Equal(1, emu.Stats.SlowConsumerDrops);
        Assert.Equal(Enumerable.Range(1, seqs.Count).Select(i => (long)i), seqs);
        Assert.Equal(seqs.Count + 1, resume);
        Assert.Equal(resume, next);
        Assert.True(resume < emu.NextSeq);
    }

    [Fact]
    public async Task A_v1_connection_has_no_ConsumerTooSlow_frame_and_is_not_touched()
    {
        await using var emu = await JetstreamEmulator.StartAsync();
        await using var v1 = await TestSubscriber.ConnectAsync(emu.SubscribeUri);
        await using var v2 = await TestSubscriber.ConnectAsync(emu.SubscribeEventsUri);

        Assert.Equal(0, emu.SignalConsumerTooSlow(v1.ConnectionId));
        Assert.Equal(1, emu.SignalConsumerTooSlow());
        emu.Publish(Events.Identity());

        Assert.Contains("\"kind\":\"identity\"", (await v1.ReceiveAsync()).Text);
        Assert.Equal("ConsumerTooSlow", V2Frames.Json((await v2.ReceiveAsync())).GetProperty("error").GetString());
    }

    private static long ResumeCursor(ReceivedFrame errorFrame)
    {
        Assert.Equal("ConsumerTooSlow", V2Frames.Json(errorFrame).GetProperty("error").GetString());
        return long.Parse(CursorInMessage().Match(errorFrame.Text).Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture);
    }

    [GeneratedRegex("reconnect with cursor=(\\d+)")]
    private static partial Regex CursorInMessage();
}
