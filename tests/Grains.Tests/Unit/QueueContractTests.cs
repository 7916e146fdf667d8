using System.Text;
using Jetstream.Storage;
using Jetstream.TestSupport;

namespace Jetstream.Grains.Tests.Unit;

public sealed class QueueContractTests
{
    [Fact]
    public void Event_ids_are_deterministic_and_differ_per_field()
    {
        var id = EventIds.ForCommit("did:plc:a", "work.doing.task", "3k", "3l", "create");
        Assert.Equal(id, EventIds.ForCommit("did:plc:a", "work.doing.task", "3k", "3l", "create"));
        Assert.Matches("^evt_[0-9a-f]{32}$", id);
        Assert.NotEqual(id, EventIds.ForCommit("did:plc:a", "work.doing.task", "3k", "3l", "update"));
        Assert.NotEqual(id, EventIds.ForCommit("did:plc:a", "work.doing.task", "3k", "3m", "create"));
        Assert.NotEqual(EventIds.ForCommit("a", "bc", "d", "e", "f"), EventIds.ForCommit("ab", "c", "d", "e", "f"));
    }

    [Fact]
    public void Event_ids_are_the_first_half_of_the_sha256_of_the_fields_on_every_thread()
    {
        // docs/queue-contract.md: the same commit gets the same id everywhere, so the hash must not depend on which
        // thread's hash context computed it, nor on what that context hashed before.
        var ids = new string[64];
        Parallel.For(0, ids.Length, i => ids[i] = i % 2 == 0
            ? EventIds.ForCommit("did:plc:a", "work.doing.task", "3k", "3l", "create")
            : EventIds.ForCommit("did:plc:ü", "app.bsky.feed.post", "rkéy", "rev", "delete"));

        Assert.All(ids.Where((_, i) => i % 2 == 0), id => Assert.Equal("evt_0b20d91c1e390dc6bcaee106f145df3a", id));
        Assert.All(ids.Where((_, i) => i % 2 == 1), id => Assert.Equal("evt_0743e0d3b95287f7644303f2b3e756ed", id));
    }

    [Fact]
    public void Messages_carry_every_sample_event_byte_for_byte()
    {
        var lines = File.ReadLines(RepoPaths.SampleEvents).ToArray();
        var events = lines.Select((line, i) => new QueuedEvent
        {
            EventId = $"evt_{i}",
            QueuedAt = DateTimeOffset.UnixEpoch.AddSeconds(i),
            Did = $"did:plc:{i}",
            TimeUs = i,
            EventJson = Encoding.UTF8.GetBytes(line),
        }).ToArray();

        var decoded = QueueMessageCodec.Decode(QueueMessageCodec.Encode(events));

        Assert.Equal(lines, decoded.Select(e => Encoding.UTF8.GetString(e.EventJson.Span)));
        Assert.Equal(events.Select(e => e.EventId), decoded.Select(e => e.EventId));
        Assert.Equal(events.Select(e => e.QueuedAt), decoded.Select(e => e.QueuedAt));
    }

    [Fact]
    public void Retry_bookkeeping_and_blob_references_round_trip()
    {
        var original = new QueuedEvent
        {
            EventId = "evt_x", QueuedAt = DateTimeOffset.UnixEpoch, Did = "did:plc:x", TimeUs = 7, BlobName = "evt_x.json",
            Attempts = 3, FirstAttemptAt = DateTimeOffset.UnixEpoch.AddMinutes(1), LastStatus = 503, LastError = "Service \"Unavailable\"",
            TraceParent = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01",
        };
        var decoded = Assert.Single(QueueMessageCodec.Decode(QueueMessageCodec.Encode([original])));
        Assert.Equal(original with { EventJson = default }, decoded with { EventJson = default });
    }

    [Fact]
    public void Bodies_are_ascii_and_multi_byte_events_round_trip_byte_for_byte()
    {
        var events = new[]
        {
            Event("did:plc:ascii", Encoding.UTF8.GetBytes("""{"did":"did:plc:ascii","kind":"commit","text":"plain \u2014 escaped"}""")),
            Event("did:plc:multi", MultiByteEvents.Commit("did:plc:multi", 2, 2, 3_000)),
            Event("did:plc:one", Encoding.UTF8.GetBytes("""{"text":"—"}""")) with { LastError = "HTTP 500 — Überlastet" },
        };

        var body = QueueMessageCodec.Encode(events).ToArray();
        var decoded = QueueMessageCodec.Decode(body);

        Assert.True(Ascii.IsValid(body), "A message body must be ASCII, so no text handling on its way can split a character.");
        Assert.Equal(events.Select(e => Convert.ToHexString(e.EventJson.Span)), decoded.Select(e => Convert.ToHexString(e.EventJson.Span)));
        Assert.Equal("HTTP 500 — Überlastet", decoded[2].LastError);
        // ASCII events stay readable in the body, as before.
        Assert.Contains("plain \\u2014 escaped", Encoding.ASCII.GetString(body));
        Assert.True(body.Length <= events.Sum(QueueMessageCodec.EstimateSize) + QueueMessageCodec.MessageOverheadBytes, "EstimateSize must bound the base64 form too.");
    }

    [Fact]
    public void Messages_written_with_raw_utf8_events_before_base64_still_decode_byte_for_byte()
    {
        var json = MultiByteEvents.Commit("did:plc:old", 5, 5, 500);
        var body = Encoding.UTF8.GetBytes("""{"v":1,"events":[{"eventId":"evt_old","queuedAt":"2026-11-27T12:00:00.123Z","did":"did:plc:old","timeUs":5,"event":""")
            .Concat(json).Concat("}]}"u8.ToArray()).ToArray();

        var decoded = Assert.Single(QueueMessageCodec.Decode(body));

        Assert.Null(MultiByteEvents.Difference(json, decoded.EventJson.Span));
    }

    [Theory]
    [InlineData("{\"v\":1,\"events\":[{\"eventId\":\"e\",\"queuedAt\":\"2026-01-01T00:00:00Z\",\"did\":\"d\",\"timeUs\":1,\"eventBase64\":\"not base64!\"}]}")]
    [InlineData("{}")]
    [InlineData("{\"v\":2,\"events\":[]}")]
    [InlineData("{\"v\":1,\"events\":[{\"eventId\":\"e\"}]}")]
    [InlineData("garbage")]
    public void Undecodable_messages_raise_a_format_error(string body) =>
        Assert.Throws<FormatException>(() => QueueMessageCodec.Decode(BinaryData.FromString(body)));

    private static QueuedEvent Event(string did, byte[] json) =>
        new() { EventId = "evt_" + did, QueuedAt = DateTimeOffset.UnixEpoch, Did = did, TimeUs = 1, EventJson = json };
}
