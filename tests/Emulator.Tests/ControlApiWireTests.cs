using System.Net.Http.Json;
using System.Net.WebSockets;
using System.Text.Json;

namespace Jetstream.Emulator.Tests;

/// <summary>The control operations client-side tests use when the emulator runs as a process: sockets per wire, bytes, gaps.</summary>
public sealed class ControlApiWireTests
{
    [Fact]
    public async Task Connections_lists_each_socket_with_its_wire_compression_and_byte_counts()
    {
        await using var emu = await JetstreamEmulator.StartAsync();
        using var http = new HttpClient { BaseAddress = emu.BaseUri };
        await using var v1 = await TestSubscriber.ConnectAsync(emu.SubscribeUri, "?compress=true");
        await using var v2 = await TestSubscriber.ConnectAsync(emu.SubscribeEventsUri, "?kinds=identity", o => o.AddSubProtocol("xrpc.v1.json"));
        emu.Publish(Events.Identity());
        var v1Frame = await v1.ReceiveAsync();
        var v2Frame = await v2.ReceiveAsync();
        await Jetstream.TestSupport.Eventually.HoldsAsync(() => Task.FromResult(emu.Connections.All(c => c.FramesSent == 1)), TimeSpan.FromSeconds(5), "one frame each");

        var body = await http.GetFromJsonAsync<JsonElement>("/control/connections");
        var stats = await http.GetFromJsonAsync<JsonElement>("/control/stats");

        var list = body.GetProperty("connections").EnumerateArray().ToList();
        Assert.Equal(2, list.Count);
        var first = list.Single(c => c.GetProperty("id").GetInt32() == v1.ConnectionId);
        var second = list.Single(c => c.GetProperty("id").GetInt32() == v2.ConnectionId);
        Assert.Equal(("v1", "zstd", 1612007021u), (first.GetProperty("wire").GetString(), first.GetProperty("compression").GetString(), first.GetProperty("dictionaryId").GetUInt32()));
        Assert.Equal(v1Frame.Payload.Length, first.GetProperty("bytesSent").GetInt64());
        Assert.Equal(emu.Log[0].Utf8Json.Length, first.GetProperty("uncompressedBytesSent").GetInt64());
        Assert.Equal(("v2", "none", "xrpc.v1.json"), (second.GetProperty("wire").GetString(), second.GetProperty("compression").GetString(), second.GetProperty("subprotocol").GetString()));
        Assert.Equal(JsonValueKind.Null, second.GetProperty("dictionaryId").ValueKind);
        Assert.Equal("/xrpc/network.bsky.jetstream.subscribeEvents?kinds=identity", second.GetProperty("url").GetString());
        Assert.Equal(v2Frame.Payload.Length, second.GetProperty("bytesSent").GetInt64());
        Assert.Equal((1, 1), (stats.GetProperty("v1Connections").GetInt32(), stats.GetProperty("v2Connections").GetInt32()));
        Assert.Equal(v1Frame.Payload.Length + v2Frame.Payload.Length, stats.GetProperty("bytesSent").GetInt64());
        Assert.Equal((1, 2), (stats.GetProperty("floorSeq").GetInt64(), stats.GetProperty("nextSeq").GetInt64()));
    }

    [Fact]
    public async Task Drop_and_consumer_too_slow_can_pick_one_connection()
    {
        await using var emu = await JetstreamEmulator.StartAsync();
        using var http = new HttpClient { BaseAddress = emu.BaseUri };
        await using var kept = await TestSubscriber.ConnectAsync(emu.SubscribeEventsUri);
        await using var slow = await TestSubscriber.ConnectAsync(emu.SubscribeEventsUri);
        await using var dropped = await TestSubscriber.ConnectAsync(emu.SubscribeUri);

        using var tooSlow = await http.PostAsync($"/control/consumer-too-slow?connection={slow.ConnectionId}", null);
        using var drop = await http.PostAsync($"/control/drop?connection={dropped.ConnectionId}", null);

        Assert.Equal(1, (await tooSlow.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("signalled").GetInt32());
        Assert.Equal(1, (await drop.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("dropped").GetInt32());
        Assert.Equal("ConsumerTooSlow", V2Frames.Json(await slow.ReceiveAsync()).GetProperty("error").GetString());
        Assert.Equal(WebSocketError.ConnectionClosedPrematurely, (await dropped.ReceiveUntilClosedAsync()).Error?.WebSocketErrorCode);
        Assert.Equal(kept.ConnectionId, Assert.Single(emu.Connections).Id);
    }

    [Fact]
    public async Task Retention_and_trim_move_the_floor_and_say_where_it_is()
    {
        await using var emu = await JetstreamEmulator.StartAsync();
        using var http = new HttpClient { BaseAddress = emu.BaseUri };
        using (await http.PostAsync("/control/publish?count=10", null))
        {
        }

        var byCount = await (await http.PostAsync("/control/retention?maxLogEvents=6", null)).Content.ReadFromJsonAsync<JsonElement>();
        var byFloor = await (await http.PostAsync("/control/trim?floorSeq=8", null)).Content.ReadFromJsonAsync<JsonElement>();
        var byAge = await (await http.PostAsync("/control/retention?retentionSeconds=0.2", null)).Content.ReadFromJsonAsync<JsonElement>();
        await Task.Delay(300);
        var all = await (await http.PostAsync("/control/trim", null)).Content.ReadFromJsonAsync<JsonElement>();

        Assert.Equal((5, 11, 6, 6), (byCount.GetProperty("floorSeq").GetInt64(), byCount.GetProperty("nextSeq").GetInt64(), byCount.GetProperty("loggedEvents").GetInt32(), byCount.GetProperty("maxLogEvents").GetInt32()));
        Assert.Equal((8, 3), (byFloor.GetProperty("floorSeq").GetInt64(), byFloor.GetProperty("loggedEvents").GetInt32()));
        Assert.Equal(0.2, byAge.GetProperty("retentionSeconds").GetDouble());
        Assert.Equal((11, 0), (all.GetProperty("floorSeq").GetInt64(), all.GetProperty("loggedEvents").GetInt32()));
        Assert.Equal(TimeSpan.FromSeconds(0.2), emu.Options.Retention);
    }
}
