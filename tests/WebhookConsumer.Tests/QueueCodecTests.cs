using Jetstream.Storage;

namespace Jetstream.WebhookConsumer.Tests;

public sealed class QueueCodecTests
{
    [Fact]
    public void Per_event_retry_time_round_trips_and_older_messages_without_it_still_decode()
    {
        var notBefore = new DateTimeOffset(2026, 5, 25, 14, 23, 28, 123, TimeSpan.Zero).AddTicks(4567);
        var queued = TestEvents.Commit("did:plc:codec", 1) with { Attempts = 2, LastStatus = 500, LastError = "HTTP 500", NotBefore = notBefore };

        var decoded = Assert.Single(QueueMessageCodec.Decode(QueueMessageCodec.Encode([queued])));
        var legacy = Assert.Single(QueueMessageCodec.Decode(QueueMessageCodec.Encode([queued with { NotBefore = null }])));

        Assert.Equal(notBefore, decoded.NotBefore);
        Assert.Equal(queued.EventJson.ToArray(), decoded.EventJson.ToArray());
        Assert.Null(legacy.NotBefore);
    }

    [Theory]
    [InlineData("""{"v":1,"events":[{"eventId":7,"queuedAt":"2026-01-01T00:00:00Z","did":"d","timeUs":1,"event":{}}]}""")]
    [InlineData("""{"v":1,"events":[{"eventId":"e","queuedAt":"2026-01-01T00:00:00Z","did":"d","timeUs":"1","event":{}}]}""")]
    [InlineData("""{"v":"1","events":[]}""")]
    public void Values_of_the_wrong_type_raise_a_format_error(string body) =>
        Assert.Throws<FormatException>(() => QueueMessageCodec.Decode(BinaryData.FromString(body)));
}
