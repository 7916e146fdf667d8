using Azure.Storage.Queues;
using Jetstream.Storage;
using Jetstream.TestSupport;
using Jetstream.WebhookConsumer.Hosting;
using Jetstream.WebhookReceiver;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Hosting;
using Xunit.Abstractions;

namespace Jetstream.WebhookConsumer.Tests;

/// <summary>
/// Queue message versions at the consumer: a version it cannot read is refused without being lost (left in the queue,
/// said in the log and in health), the version it reads is kept when it rewrites a message for a retry, and a rewrite
/// that Azure would refuse for its size is split rather than lost.
/// </summary>
public sealed class MessageVersionTests(ITestOutputHelper output)
{
    // Refused messages come back after the visibility timeout; a short one keeps the test short.
    private static readonly Dictionary<string, string?> QuickReturn = new()
    {
        ["Webhook:TimeoutSeconds"] = "1",
        ["Webhook:VisibilityTimeout"] = "00:00:03",
    };

    [Fact]
    public async Task A_v1_consumer_refuses_a_v2_message_it_cannot_read_without_losing_it()
    {
        await using var harness = await ConsumerHarness.CreateAsync(output, "v1-refuses");
        var timeUs = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() * 1000;
        var plain = Enumerable.Range(0, 5).Select(i => TestEvents.FromJson(MultiByteEvents.Commit($"did:plc:plain{i}", ++timeUs, i, 800))).ToArray();
        var compressed = Enumerable.Range(0, 40).Select(i => TestEvents.FromJson(MultiByteEvents.Commit($"did:plc:compressed{i % 4}", ++timeUs, 100 + i, 800 + (i * 37)))).ToArray();
        await harness.SendAsync(plain, perMessage: 5);
        var v2Body = QueueMessageCodec.Encode(compressed, QueueMessageCodec.CompressedVersion);
        await harness.Clients.Queue.SendMessageAsync(v2Body, visibilityTimeout: null, timeToLive: TimeSpan.FromSeconds(-1));

        // A consumer that reads version 1 only, as one of an earlier release: it delivers the v1 message and refuses the other.
        var v1Consumer = await harness.StartConsumerAsync(QuickReturn, "v1-consumer", LimitedTo(QueueMessageCodec.PlainVersion));
        await harness.Receiver.WaitForUniqueAsync(plain.Length, TimeSpan.FromSeconds(30));
        await ConsumerHarness.WaitUntilAsync(
            () => Task.FromResult(harness.Logs.Lines.Any(l => l.Contains("is of version 2, newer than this consumer reads (up to 1)"))),
            TimeSpan.FromSeconds(30), "the log line saying a newer consumer is needed");
        var health = await v1Consumer.Services.GetRequiredService<HealthCheckService>().CheckHealthAsync();
        Assert.Equal(HealthStatus.Degraded, health.Status);
        Assert.Contains("messages of version 2, newer than this consumer reads (up to 1)", health.Entries["queue"].Description);
        Assert.Contains("upgrade the consumers", health.Entries["queue"].Description);

        // Refused again each time it comes back, never attempted, never moved, never deleted.
        await ConsumerHarness.WaitUntilAsync(
            async () => (await harness.Clients.Queue.PeekMessagesAsync(32)).Value.Any(m => m.DequeueCount >= 2),
            TimeSpan.FromSeconds(30), "the refused message to come back and be refused again");
        await harness.StopConsumersAsync();
        Assert.Equal(plain.Length, harness.Receiver.Stats.UniqueIds);
        Assert.DoesNotContain(harness.Receiver.Requests, r => compressed.Any(e => e.EventId == r.Id));
        Assert.Equal(0, await harness.DeadLetters.CountAsync());
        var left = await ReceiveWhenVisibleAsync(harness.Clients.Queue);
        Assert.Equal(v2Body.ToArray(), left.Body.ToArray());
        await harness.Clients.Queue.UpdateMessageAsync(left.MessageId, left.PopReceipt, visibilityTimeout: TimeSpan.Zero);

        // Upgraded: the same message is delivered, every event byte for byte.
        await harness.StartConsumerAsync(QuickReturn, "v2-consumer");
        await harness.Receiver.WaitForUniqueAsync(plain.Length + compressed.Length, TimeSpan.FromSeconds(30));
        var expected = compressed.ToDictionary(e => e.EventId, e => e.EventJson.ToArray());
        Assert.All(harness.Receiver.Deliveries.Where(d => expected.ContainsKey(d.Id)), d => Assert.Null(MultiByteEvents.Difference(expected[d.Id], d.Body)));
    }

    [Fact]
    public async Task A_message_of_a_future_version_stays_in_the_queue_unchanged_and_health_asks_for_a_newer_consumer()
    {
        await using var harness = await ConsumerHarness.CreateAsync(output, "v3-refused");
        var future = BinaryData.FromString("""{"v":3,"zstd":"KLUv/QBYAQAAdGhhdCBpcyB0aGUgZnV0dXJl"}""");
        await harness.Clients.Queue.SendMessageAsync(future, visibilityTimeout: null, timeToLive: TimeSpan.FromSeconds(-1));
        await harness.SendAsync([TestEvents.Commit("did:plc:now", 1)], perMessage: 1);

        var consumer = await harness.StartConsumerAsync(QuickReturn);
        await harness.Receiver.WaitForUniqueAsync(1, TimeSpan.FromSeconds(30));
        await ConsumerHarness.WaitUntilAsync(
            () => Task.FromResult(harness.Logs.Lines.Any(l => l.Contains("is of version 3, newer than this consumer reads (up to 2)"))),
            TimeSpan.FromSeconds(30), "the log line about version 3");
        var health = await consumer.Services.GetRequiredService<HealthCheckService>().CheckHealthAsync();
        await harness.StopConsumersAsync();

        Assert.Equal(HealthStatus.Degraded, health.Status);
        Assert.Contains("messages of version 3", health.Entries["queue"].Description);
        Assert.Equal(0, await harness.DeadLetters.CountAsync());
        var left = await ReceiveWhenVisibleAsync(harness.Clients.Queue);
        Assert.Equal(future.ToString(), left.Body.ToString());
    }

    [Fact]
    public async Task A_retried_v2_message_is_rewritten_in_v2_with_each_attempt_recorded()
    {
        await using var harness = await ConsumerHarness.CreateAsync(output, "v2-rewrite");
        var events = Enumerable.Range(0, 30).Select(i => TestEvents.FromJson(MultiByteEvents.Commit($"did:plc:rewrite{i}", 10 + i, i, 600))).ToArray();
        await harness.SendAsync(events, perMessage: events.Length, QueueMessageCodec.CompressedVersion);
        harness.Receiver.Behaviour = new ReceiverBehaviour { StatusCode = 500 };

        await harness.StartConsumerAsync(new Dictionary<string, string?> { ["Webhook:RetrySchedule:0"] = "00:00:02", ["Webhook:RetrySchedule:1"] = "00:00:02" });
        await ConsumerHarness.WaitUntilAsync(
            () => Task.FromResult(harness.Receiver.Requests.Select(r => r.Id).Distinct().Count() == events.Length),
            TimeSpan.FromSeconds(30), "a failed first attempt of every event");
        await harness.StopConsumersAsync();

        var rewritten = await ReceiveWhenVisibleAsync(harness.Clients.Queue);
        var decoded = QueueMessageCodec.DecodeMessage(rewritten.Body.ToMemory());
        Assert.Equal(QueueMessageCodec.CompressedVersion, decoded.Version);
        Assert.Equal(events.Select(e => e.EventId), decoded.Events.Select(e => e.EventId));
        Assert.All(decoded.Events, e => Assert.True(e.Attempts >= 1 && e.LastStatus == 500 && e.NotBefore is not null, $"{e.EventId}: attempts {e.Attempts}, status {e.LastStatus}"));
    }

    [Theory]
    [InlineData(QueueMessageCodec.PlainVersion)]
    [InlineData(QueueMessageCodec.CompressedVersion)]
    public async Task A_full_message_whose_every_event_fails_is_written_back_split_rather_than_refused_by_azure(int version)
    {
        await using var harness = await ConsumerHarness.CreateAsync(output, $"split-v{version}");
        var timeUs = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() * 1000;

        // As full as the producer packs them: one message.
        var packer = MessagePacker.Create(version, harness.Clients.Options.MaxMessageBytes, 1000);
        var events = new List<QueuedEvent>();
        for (var i = 0; ; i++)
        {
            var next = TestEvents.FromJson(MultiByteEvents.Commit($"did:plc:split{i}", ++timeUs, i, 300 + (i % 7 * 50)));
            if (!packer.TryAdd(next))
            {
                break;
            }

            events.Add(next);
        }

        var body = packer.Finish();
        Assert.True(body.ToMemory().Length > harness.Clients.Options.MaxMessageBytes * 0.9, $"the message is not full: {body.ToMemory().Length} bytes");
        await harness.Clients.Queue.SendMessageAsync(body, visibilityTimeout: null, timeToLive: TimeSpan.FromSeconds(-1));
        harness.Receiver.Behaviour = new ReceiverBehaviour { StatusCode = 500 };

        await harness.StartConsumerAsync(new Dictionary<string, string?> { ["Webhook:RetrySchedule:0"] = "00:00:01", ["Webhook:RetrySchedule:1"] = "00:00:01", ["Webhook:RetrySchedule:2"] = "00:00:01", ["Webhook:RetrySchedule:3"] = "00:00:01", ["Webhook:RetrySchedule:4"] = "00:00:01" });

        // A second attempt a second after the first shows the first was recorded: had Azure refused the rewrite, the
        // message would come back as it was only after the visibility timeout (2 minutes).
        await ConsumerHarness.WaitUntilAsync(
            () => Task.FromResult(harness.Receiver.Requests.GroupBy(r => r.Id).Count(g => g.Count() >= 2) == events.Count),
            TimeSpan.FromSeconds(45), "a second attempt of every event, a second after its first");
        Assert.Contains(harness.Logs.Lines, l => l.Contains($"with its {events.Count} events' attempts recorded is over Azure's 64 KiB: written back as"));
        Assert.DoesNotContain(harness.Logs.Lines, l => l.Contains("RequestBodyTooLarge") || l.Contains("Could not settle"));

        harness.Receiver.Behaviour = ReceiverBehaviour.Normal;
        await harness.Receiver.WaitForUniqueAsync(events.Count, TimeSpan.FromSeconds(60));
        await harness.StopConsumersAsync();
        Assert.Equal(0, await harness.DeadLetters.CountAsync());
        var expected = events.ToDictionary(e => e.EventId, e => e.EventJson.ToArray());
        Assert.All(harness.Receiver.Deliveries, d => Assert.Null(MultiByteEvents.Difference(expected[d.Id], d.Body)));
    }

    private static Action<IServiceCollection> LimitedTo(int version) =>
        services => services.PostConfigure<WebhookOptions>(o => o.ReadableMessageVersion = version);

    /// <summary>The queue's one message once it is visible (received, so hidden again for a minute).</summary>
    private static async Task<Azure.Storage.Queues.Models.QueueMessage> ReceiveWhenVisibleAsync(QueueClient queue)
    {
        Azure.Storage.Queues.Models.QueueMessage? message = null;
        await ConsumerHarness.WaitUntilAsync(
            async () => (message = (await queue.ReceiveMessageAsync(TimeSpan.FromMinutes(1))).Value) is not null,
            TimeSpan.FromSeconds(30), "the message to be visible again");
        return message!;
    }
}
