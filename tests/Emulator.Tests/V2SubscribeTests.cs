using System.Net.WebSockets;
using System.Text.Json;
using Microsoft.Extensions.Time.Testing;

namespace Jetstream.Emulator.Tests;

/// <summary>The v2 wire's frames and filters (PROTOCOL.md §3.1, §3.2), on the same port as /subscribe.</summary>
public sealed class V2SubscribeTests
{
    private static readonly DateTimeOffset Now = DateTimeOffset.Parse("2026-05-25T14:23:30.123456Z", System.Globalization.CultureInfo.InvariantCulture);

    [Fact]
    public async Task A_commit_is_a_message_frame_with_seq_and_a_six_digit_time_and_the_commit_fields_in_the_payload()
    {
        await using var emu = await JetstreamEmulator.StartAsync(null, new FakeTimeProvider(Now));
        await using var client = await TestSubscriber.ConnectAsync(emu.SubscribeEventsUri);

        emu.Publish(Events.Commit("app.bsky.feed.post"));
        var frame = await client.ReceiveAsync();

        Assert.Equal(WebSocketMessageType.Text, frame.Type);
        Assert.Equal(
            """{"$type":"message","payload":{"$type":"network.bsky.jetstream.subscribeEvents#commit","cid":"bafyreidqpc7si3dbimffi64lz3xsx2qt45ip7rpna2qpslcddp23itjjzm","collection":"app.bsky.feed.post","did":"did:plc:aliceaaaaaaaaaaaaaaaaaaa","operation":"create","record":{"$type":"app.bsky.feed.post","createdAt":"2026-05-25T14:23:28.778Z","text":"héllo 👋"},"rev":"3mmoojp7vgo2g","rkey":"3mmoojp7etg2g","seq":1,"time":"2026-05-25T14:23:30.123456Z"}}""",
            frame.Text);
    }

    [Fact]
    public async Task Identity_account_sync_and_delete_events_have_their_v2_shapes_and_seqs_count_from_one()
    {
        await using var emu = await JetstreamEmulator.StartAsync(null, new FakeTimeProvider(Now));
        await using var client = await TestSubscriber.ConnectAsync(emu.SubscribeEventsUri);

        emu.PublishMany([Events.Identity(), Events.Account(), Events.Sync(), Events.Delete("app.bsky.feed.like")]);
        var frames = new[] { await client.ReceiveAsync(), await client.ReceiveAsync(), await client.ReceiveAsync(), await client.ReceiveAsync() };

        Assert.Equal(
            """{"$type":"message","payload":{"$type":"network.bsky.jetstream.subscribeEvents#identity","did":"did:plc:aliceaaaaaaaaaaaaaaaaaaa","identity":{"did":"did:plc:aliceaaaaaaaaaaaaaaaaaaa","handle":"alice.bsky.social","seq":30340180350,"time":"2026-05-25T14:23:29.950Z"},"seq":1,"time":"2026-05-25T14:23:30.123456Z"}}""",
            frames[0].Text);
        // The monotonic clock bumps each later event by 1 µs.
        Assert.Equal(
            """{"$type":"message","payload":{"$type":"network.bsky.jetstream.subscribeEvents#account","account":{"active":false,"did":"did:plc:aliceaaaaaaaaaaaaaaaaaaa","seq":30340180351,"status":"deactivated","time":"2026-05-25T14:23:29.950Z"},"did":"did:plc:aliceaaaaaaaaaaaaaaaaaaa","seq":2,"time":"2026-05-25T14:23:30.123457Z"}}""",
            frames[1].Text);
        Assert.Equal(
            """{"$type":"message","payload":{"$type":"network.bsky.jetstream.subscribeEvents#sync","did":"did:plc:aliceaaaaaaaaaaaaaaaaaaa","seq":3,"sync":{"blocks":{"$bytes":"OqJlcm9vdHOB"},"did":"did:plc:aliceaaaaaaaaaaaaaaaaaaa","rev":"3mmoojp7vgo2i","seq":30340180352,"time":"2026-05-25T14:23:29.950Z"},"time":"2026-05-25T14:23:30.123458Z"}}""",
            frames[2].Text);
        var delete = V2Frames.Json(frames[3]).GetProperty("payload");
        Assert.Equal("delete", delete.GetProperty("operation").GetString());
        Assert.Equal(4, delete.GetProperty("seq").GetInt64());
        Assert.False(delete.TryGetProperty("record", out _));
        Assert.False(delete.TryGetProperty("cid", out _));
        Assert.Equal([1, 2, 3, 4], emu.Log.Select(e => e.Seq));
    }

    [Fact]
    public async Task Sync_events_reach_v2_but_never_v1_subscribers_on_the_same_port()
    {
        await using var emu = await JetstreamEmulator.StartAsync();
        await using var v1 = await TestSubscriber.ConnectAsync(emu.SubscribeUri);
        await using var v2 = await TestSubscriber.ConnectAsync(emu.SubscribeEventsUri);

        emu.PublishMany([Events.Sync(), Events.Identity()]);

        Assert.EndsWith("#sync", V2Frames.PayloadType(await v2.ReceiveAsync()));
        Assert.EndsWith("#identity", V2Frames.PayloadType(await v2.ReceiveAsync()));
        Assert.Contains("\"kind\":\"identity\"", (await v1.ReceiveAsync()).Text);
        Assert.Equal(new[] { "v1", "v2" }, emu.Connections.Select(c => c.Wire));
        Assert.Equal((1, 1), (emu.Stats.V1Connections, emu.Stats.V2Connections));
    }

    [Theory]
    [InlineData("?kinds=commit", "commit:post commit:like")]
    [InlineData("?kinds=identity&kinds=account", "identity account")]
    [InlineData("?collections=app.bsky.feed.post", "commit:post identity account sync")]
    [InlineData("?kinds=commit&collections=app.bsky.feed.*", "commit:post commit:like")]
    [InlineData("?dids=did:plc:bobbbbbbbbbbbbbbbbbbbbbbb", "commit:like")]
    [InlineData("?kinds=sync", "sync")]
    public async Task Kinds_dids_and_collections_are_independent_filters(string query, string expected)
    {
        await using var emu = await JetstreamEmulator.StartAsync();
        await using var client = await TestSubscriber.ConnectAsync(emu.SubscribeEventsUri, query);

        emu.PublishMany([Events.Commit("app.bsky.feed.post"), Events.Commit("app.bsky.feed.like", Events.Bob), Events.Identity(), Events.Account(), Events.Sync()]);

        var got = new List<string>();
        while (!await client.NothingArrivesWithinAsync(TimeSpan.FromMilliseconds(300)))
        {
            var payload = V2Frames.Json(await client.ReceiveAsync()).GetProperty("payload");
            var kind = payload.GetProperty("$type").GetString()!.Split('#')[1];
            got.Add(kind == "commit" ? $"commit:{payload.GetProperty("collection").GetString()!.Split('.')[^1]}" : kind);
        }

        Assert.Equal(expected.Split(' '), got);
    }

    [Fact]
    public async Task The_xrpc_subprotocol_is_echoed_when_offered_and_the_framing_is_the_same_without_it()
    {
        await using var emu = await JetstreamEmulator.StartAsync();
        await using var offering = await TestSubscriber.ConnectAsync(emu.SubscribeEventsUri, configure: o => o.AddSubProtocol("xrpc.v1.json"));
        await using var plain = await TestSubscriber.ConnectAsync(emu.SubscribeEventsUri);

        emu.Publish(Events.Identity());

        Assert.Equal("xrpc.v1.json", offering.SubProtocol);
        Assert.Null(plain.SubProtocol);
        Assert.Equal((await offering.ReceiveAsync()).Text, (await plain.ReceiveAsync()).Text);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Any_data_frame_from_the_client_closes_the_connection_with_1008(bool binary)
    {
        await using var emu = await JetstreamEmulator.StartAsync();
        await using var client = await TestSubscriber.ConnectAsync(emu.SubscribeEventsUri);

        await (binary ? client.SendBinaryAsync([1, 2, 3]) : client.SendTextAsync("""{"type":"options_update","payload":{}}"""));
        var (_, error) = await client.ReceiveUntilClosedAsync();

        Assert.Null(error);
        Assert.Equal(WebSocketCloseStatus.PolicyViolation, client.CloseStatus);
        Assert.Equal("unexpected data message", client.CloseStatusDescription);
    }

    [Fact]
    public async Task MaxMessageSizeBytes_applies_to_the_whole_uncompressed_frame()
    {
        await using var emu = await JetstreamEmulator.StartAsync();
        var identity = Events.Identity();
        await using var probe = await TestSubscriber.ConnectAsync(emu.SubscribeEventsUri);
        emu.Publish(identity);
        var frameSize = (await probe.ReceiveAsync()).Payload.Length;

        await using var exact = await TestSubscriber.ConnectAsync(emu.SubscribeEventsUri, $"?maxMessageSizeBytes={frameSize}&cursor=1");
        await using var smaller = await TestSubscriber.ConnectAsync(emu.SubscribeEventsUri, $"?maxMessageSizeBytes={frameSize - 1}&cursor=1");

        Assert.Equal(1, V2Frames.Seq(await exact.ReceiveAsync()));
        Assert.True(await smaller.NothingArrivesWithinAsync(TimeSpan.FromMilliseconds(300)));
        Assert.True(System.Text.Encoding.UTF8.GetByteCount(identity) < frameSize);
    }
}
