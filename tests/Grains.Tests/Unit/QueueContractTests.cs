using System.Text;
using Jetstream.EventQueue;
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

    [Theory]
    [InlineData("{}")]
    [InlineData("{\"v\":2,\"events\":[]}")]
    [InlineData("{\"v\":1,\"events\":[{\"eventId\":\"e\"}]}")]
    [InlineData("garbage")]
    public void Undecodable_messages_raise_a_format_error(string body) =>
        Assert.Throws<FormatException>(() => QueueMessageCodec.Decode(BinaryData.FromString(body)));
}
