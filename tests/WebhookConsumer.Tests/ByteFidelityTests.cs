using System.Text;
using Azure.Storage.Queues;
using Jetstream.Storage;
using Jetstream.TestSupport;
using Jetstream.WebhookReceiver;
using Xunit.Abstractions;

namespace Jetstream.WebhookConsumer.Tests;

/// <summary>
/// The consumer's stages of byte fidelity (issue 12): decoding every message form (both versions), fetching offloaded
/// blobs, rewriting a message for a retry and dead-lettering and redriving must leave each webhook body exactly the
/// event's original bytes.
/// </summary>
public sealed class ByteFidelityTests(ITestOutputHelper output)
{
    // Prime, so the segments' boundaries land at every offset within the 9-byte pattern of characters.
    private const int SegmentBytes = 997;

    [Fact]
    public async Task Every_message_form_is_delivered_byte_for_byte_before_and_after_a_retry_rewrites_it()
    {
        await using var harness = await ConsumerHarness.CreateAsync(output, "fidelity");
        var storage = await SharedAzurite.GetConnectionStringAsync();
        var timeUs = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() * 1000;

        // Packed, as the producer writes them now (eventBase64).
        var packed = Enumerable.Range(0, 20).Select(i => TestEvents.FromJson(MultiByteEvents.Commit($"did:plc:packed{i}", ++timeUs, i, 1_000 + (i * 97)))).ToArray();
        await harness.SendAsync(packed, perMessage: 10);

        // Packed in version 2 (compressed), with one event as large as such a message takes inline.
        var compressed = Enumerable.Range(0, 20).Select(i => TestEvents.FromJson(MultiByteEvents.Commit($"did:plc:compressed{i}", ++timeUs, 50 + i, 1_000 + (i * 89)))).ToArray();
        await harness.SendAsync(compressed, perMessage: 10, QueueMessageCodec.CompressedVersion);
        var compressedLarge = TestEvents.FromJson(MultiByteEvents.Commit("did:plc:compressedlarge", ++timeUs, 70, 40_000));
        Assert.True(MessagePacker.Create(QueueMessageCodec.CompressedVersion, harness.Clients.Options.MaxMessageBytes, 1).FitsAlone(compressedLarge));
        await harness.SendAsync([compressedLarge], perMessage: 1, QueueMessageCodec.CompressedVersion);

        // Offloaded: the body in a blob, the message naming it.
        var offloaded = Enumerable.Range(0, 2).Select(i => TestEvents.FromJson(MultiByteEvents.Commit($"did:plc:offloaded{i}", ++timeUs, 100 + i, 200_000 + i))).ToArray();
        foreach (var e in offloaded)
        {
            await harness.Clients.LargeEvents.UploadBlobAsync(e.EventId + ".json", new BinaryData(e.EventJson));
            await harness.SendAsync([e with { EventJson = default, BlobName = e.EventId + ".json" }], perMessage: 1);
        }

        // Written before eventBase64: raw UTF-8 in "event". Small, so Azurite gets each body in one piece and keeps it.
        var legacy = Enumerable.Range(0, 3).Select(i => TestEvents.FromJson(MultiByteEvents.Commit($"did:plc:legacy{i}", ++timeUs, 200 + i, 600))).ToArray();
        var raw = new QueueClient(storage, harness.Clients.Options.Name, new QueueClientOptions { MessageEncoding = QueueMessageEncoding.None });
        foreach (var e in legacy)
        {
            await raw.SendMessageAsync(BinaryData.FromBytes(LegacyBody(e)), visibilityTimeout: null, timeToLive: TimeSpan.FromSeconds(-1));
        }

        var legacyIds = legacy.Select(e => e.EventId).ToHashSet();
        var peeked = (await raw.PeekMessagesAsync(32)).Value.Select(m => m.Body.ToString()).Where(b => legacyIds.Any(b.Contains)).ToArray();
        Assert.Equal(legacy.Length, peeked.Length);
        Assert.All(peeked, body => Assert.False(body.Contains('\uFFFD'), "a legacy message was corrupted on its way in; the test cannot start from it"));

        // Each event has a DID of its own, so none waits behind another's retry. The first attempt of each fails, so the consumer rewrites every message (the retry is recorded in it)
        // through storage that gets each request in segments splitting characters, then delivers from what it wrote.
        var all = packed.Concat(compressed).Append(compressedLarge).Concat(offloaded).Concat(legacy).ToArray();
        harness.Receiver.Behaviour = new ReceiverBehaviour { StatusCode = 500 };
        await using var proxy = StorageProxy.Start(storage, SegmentBytes);
        var settings = new Dictionary<string, string?> { ["ConnectionStrings:AzureStorage"] = proxy.ConnectionString };
        for (var i = 0; i < 20; i++)
        {
            settings[$"Webhook:RetrySchedule:{i}"] = "00:00:00.5";
        }

        await harness.StartConsumerAsync(settings);
        await ConsumerHarness.WaitUntilAsync(
            () => Task.FromResult(harness.Receiver.Requests.Select(r => r.Id).Distinct().Count() == all.Length),
            TimeSpan.FromSeconds(60), "a failed first attempt of every event");
        harness.Receiver.Behaviour = ReceiverBehaviour.Normal;
        await harness.Receiver.WaitForUniqueAsync(all.Length, TimeSpan.FromSeconds(60));

        var expected = all.ToDictionary(e => e.EventId, e => e.EventJson.ToArray());
        Assert.All(harness.Receiver.Deliveries, d =>
        {
            var difference = MultiByteEvents.Difference(expected[d.Id], d.Body);
            Assert.True(difference is null, $"{d.Id}: {difference}");
            Assert.True(d.SignatureValid, $"{d.Id}: the signature does not verify");
        });
        Assert.Equal(all.Length, harness.Receiver.Stats.UniqueIds);
        Assert.Equal(0, await harness.DeadLetters.CountAsync());
    }

    [Fact]
    public async Task Dead_lettered_events_come_back_byte_for_byte_when_redriven()
    {
        await using var harness = await ConsumerHarness.CreateAsync(output, "fidelity-dlq");
        var storage = await SharedAzurite.GetConnectionStringAsync();
        var timeUs = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() * 1000;
        var current = Enumerable.Range(0, 4).Select(i => TestEvents.FromJson(MultiByteEvents.Commit($"did:plc:dlq{i}", ++timeUs, i, 1_500 + (i * 311)))).ToArray();
        await harness.SendAsync(current, perMessage: 2);
        var compressed = Enumerable.Range(0, 3).Select(i => TestEvents.FromJson(MultiByteEvents.Commit($"did:plc:dlqv2{i}", ++timeUs, 20 + i, 2_000 + (i * 211)))).ToArray();
        await harness.SendAsync(compressed, perMessage: 3, QueueMessageCodec.CompressedVersion);
        var legacy = TestEvents.FromJson(MultiByteEvents.Commit("did:plc:dlqlegacy", ++timeUs, 9, 600));
        await new QueueClient(storage, harness.Clients.Options.Name, new QueueClientOptions { MessageEncoding = QueueMessageEncoding.None })
            .SendMessageAsync(BinaryData.FromBytes(LegacyBody(legacy)), visibilityTimeout: null, timeToLive: TimeSpan.FromSeconds(-1));
        var all = current.Concat(compressed).Append(legacy).ToArray();

        // Two failed attempts dead-letter each event; the dead-letter copies and the redrive go through storage that
        // gets each request in segments splitting characters.
        harness.Receiver.Behaviour = new ReceiverBehaviour { StatusCode = 500 };
        await using var proxy = StorageProxy.Start(storage, SegmentBytes);
        await harness.StartConsumerAsync(new Dictionary<string, string?>
        {
            ["ConnectionStrings:AzureStorage"] = proxy.ConnectionString,
            ["Webhook:RetrySchedule:0"] = "00:00:00.2",
        });
        await ConsumerHarness.WaitUntilAsync(async () => await harness.DeadLetters.CountAsync() == all.Length, TimeSpan.FromSeconds(60), "every event dead-lettered");
        harness.Receiver.Behaviour = ReceiverBehaviour.Normal;
        var viaProxy = new DeadLetterQueue(new EventQueueClients(new StorageConnection(proxy.ConnectionString), harness.Clients.Options, new Jetstream.Storage.Subscriptions.SubscriptionOptions(), Jetstream.Storage.Subscriptions.SubscriptionDocument.DefaultId));
        Assert.Equal(all.Length, await viaProxy.RedriveAllAsync());
        await harness.Receiver.WaitForUniqueAsync(all.Length, TimeSpan.FromSeconds(60));

        var expected = all.ToDictionary(e => e.EventId, e => e.EventJson.ToArray());
        Assert.All(harness.Receiver.Deliveries, d =>
        {
            var difference = MultiByteEvents.Difference(expected[d.Id], d.Body);
            Assert.True(difference is null, $"{d.Id}: {difference}");
        });
    }

    /// <summary>A message body as the producer wrote it before eventBase64: the event's raw UTF-8 in "event".</summary>
    private static byte[] LegacyBody(QueuedEvent e) =>
        [
            .. Encoding.UTF8.GetBytes($$"""{"v":1,"events":[{"eventId":"{{e.EventId}}","queuedAt":"{{e.QueuedAt.UtcDateTime:O}}","did":"{{e.Did}}","timeUs":{{e.TimeUs}},"event":"""),
            .. e.EventJson.Span,
            .. "}]}"u8,
        ];
}
