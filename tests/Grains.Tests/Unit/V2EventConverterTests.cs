using System.Buffers;
using System.Net.WebSockets;
using System.Text;
using Jetstream.Grains.Connection;

namespace Jetstream.Grains.Tests.Unit;

public sealed class V2EventConverterTests
{
    [Fact]
    public void A_v2_commit_becomes_the_v1_event_json_byte_for_byte()
    {
        const string v2 = """{"$type":"message","payload":{"$type":"network.bsky.jetstream.subscribeEvents#commit","cid":"bafyreid","collection":"app.bsky.feed.post","did":"did:plc:abc","operation":"create","record":{"$type":"app.bsky.feed.post","text":"caf\u00e9 — ok \u0026"},"rev":"3l3qo2vutsw2b","rkey":"3l3qo2vuowo2b","seq":42,"time":"2024-09-09T19:46:02.329308Z"}}""";
        const string v1 = """{"did":"did:plc:abc","time_us":1725911162329308,"kind":"commit","commit":{"rev":"3l3qo2vutsw2b","operation":"create","collection":"app.bsky.feed.post","rkey":"3l3qo2vuowo2b","record":{"$type":"app.bsky.feed.post","text":"caf\u00e9 — ok \u0026"},"cid":"bafyreid"}}""";
        var frame = new V2Wire().Read(Encoding.UTF8.GetBytes(v2), WebSocketMessageType.Text);
        Assert.Equal(WireFrameKind.Event, frame.Kind);
        Assert.Equal(42, frame.Seq);
        Assert.Equal(1725911162329308, frame.TimeUs);
        Assert.Equal(v1, Encoding.UTF8.GetString(frame.Json.Span));
        Assert.Equal(v2, Encoding.UTF8.GetString(frame.Raw.Span));
    }

    [Fact]
    public void Identity_and_account_objects_are_copied_verbatim_under_their_kind()
    {
        const string v2 = """{"$type":"message","payload":{"$type":"network.bsky.jetstream.subscribeEvents#account","account":{"active":false,"did":"did:plc:x","seq":7,"status":"deleted","time":"2024-09-05T06:11:04.870Z"},"did":"did:plc:x","seq":9,"time":"2024-09-05T06:11:05.333808Z"}}""";
        var frame = V2EventConverter.Convert(Encoding.UTF8.GetBytes(v2), new ArrayBufferWriter<byte>());
        Assert.Equal("""{"did":"did:plc:x","time_us":1725516665333808,"kind":"account","account":{"active":false,"did":"did:plc:x","seq":7,"status":"deleted","time":"2024-09-05T06:11:04.870Z"}}""", Encoding.UTF8.GetString(frame.Json.Span));
    }

    [Theory]
    [InlineData("""{"$type":"message","payload":{"$type":"network.bsky.jetstream.subscribeEvents#info","message":"starting at seq 5","name":"OutdatedCursor"}}""", WireFrameKind.Info, "OutdatedCursor")]
    [InlineData("""{"$type":"error","error":"ConsumerTooSlow","message":"reconnect with cursor=17"}""", WireFrameKind.Error, "ConsumerTooSlow")]
    public void Info_and_error_frames_are_not_events(string json, WireFrameKind kind, string name)
    {
        var frame = V2EventConverter.Convert(Encoding.UTF8.GetBytes(json), new ArrayBufferWriter<byte>());
        Assert.Equal(kind, frame.Kind);
        Assert.Equal(name, frame.Name);
    }

    [Theory]
    [InlineData("""{"$type":"message","payload":{"$type":"network.bsky.jetstream.subscribeEvents#sync","did":"did:plc:x","seq":3,"sync":{"blocks":{"$bytes":"AA"}},"time":"2024-09-05T06:11:05.333808Z"}}""")]
    [InlineData("""{"$type":"message","payload":{"$type":"network.bsky.jetstream.subscribeEvents#commit","did":"did:plc:x","time":"2024-09-05T06:11:05.333808Z"}}""")]
    [InlineData("""not json""")]
    public void Frames_with_no_v1_form_are_bad_frames(string json)
    {
        Assert.Equal(WireFrameKind.Bad, V2EventConverter.Convert(Encoding.UTF8.GetBytes(json), new ArrayBufferWriter<byte>()).Kind);
    }

    [Fact]
    public void The_v2_url_asks_for_commits_only_unless_identity_or_account_are_forwarded()
    {
        var wire = new V2Wire();
        var commitsOnly = wire.Request("wss://h/xrpc/network.bsky.jetstream.subscribeEvents", new WireFilters(["app.bsky.feed.*"], ["did:plc:a"], false, false), 12, new WireCompression(20260811)).Uri.Query;
        Assert.Equal("?kinds=commit&collections=app.bsky.feed.*&dids=did%3Aplc%3Aa&cursor=12&zstdDictionary=20260811", Uri.UnescapeDataString(commitsOnly).Replace("did:plc:a", "did%3Aplc%3Aa"));
        var withAccounts = wire.Request("wss://h/xrpc/network.bsky.jetstream.subscribeEvents", new WireFilters([], [], false, true), null, WireCompression.None).Uri.Query;
        Assert.Equal("?kinds=commit&kinds=account", withAccounts);
    }
}
