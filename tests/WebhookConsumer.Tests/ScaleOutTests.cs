using System.Diagnostics;
using Jetstream.WebhookReceiver;
using Xunit.Abstractions;

namespace Jetstream.WebhookConsumer.Tests;

public sealed class ScaleOutTests(ITestOutputHelper output)
{
    [Fact]
    public async Task Consumer_killed_mid_batch_is_redelivered_after_the_visibility_timeout_and_nothing_is_lost()
    {
        await using var harness = await ConsumerHarness.CreateAsync(output, "killed");
        var events = TestEvents.Interleaved(dids: 60, perDid: 1);
        await harness.SendAsync(events, perMessage: 1);
        harness.Receiver.Behaviour = new ReceiverBehaviour { Delay = TimeSpan.FromMilliseconds(300) };
        var visibility = TimeSpan.FromSeconds(6);
        var settings = new Dictionary<string, string?>
        {
            ["Webhook:VisibilityTimeout"] = "00:00:06",
            ["Webhook:TimeoutSeconds"] = "3",
            ["Webhook:MaxConcurrency"] = "4",
        };

        var first = await harness.StartConsumerAsync(settings, "consumer-a");
        await ConsumerHarness.WaitUntilAsync(() => Task.FromResult(harness.Receiver.Stats.Delivered >= 8), TimeSpan.FromSeconds(20), "deliveries to start");
        var atKill = harness.Receiver.Stats;
        await harness.KillAsync(first);
        var killedAt = DateTimeOffset.UtcNow;

        // Let the receiver finish or drop the requests that were cut off before taking stock.
        await Task.Delay(500);
        var beforeKill = harness.Receiver.Deliveries.ToArray();
        var inFlight = atKill.Requests - atKill.Delivered;
        harness.Receiver.Behaviour = ReceiverBehaviour.Normal;

        await harness.StartConsumerAsync(settings, "consumer-b");
        await harness.Receiver.WaitForUniqueAsync(events.Count, TimeSpan.FromSeconds(30));
        await ConsumerHarness.WaitUntilAsync(async () => await harness.MainQueueCountAsync() == 0, TimeSpan.FromSeconds(10), "the queue to empty");

        // The killed consumer's batch was never settled: what it delivered comes again, no earlier than the
        // visibility timeout after its receive (which preceded its first request), with the same webhook-id.
        var batchStart = beforeKill.Min(d => d.ArrivedAt);
        var afterKill = harness.Receiver.Deliveries.Skip(beforeKill.Length).ToArray();
        foreach (var delivered in beforeKill)
        {
            var again = Assert.Single(afterKill, d => d.Id == delivered.Id);
            Assert.True(again.ArrivedAt >= batchStart + visibility - TimeSpan.FromSeconds(1),
                $"{delivered.Id} came again {(again.ArrivedAt - batchStart).TotalSeconds:0.0} s after the batch started");
            Assert.Equal(delivered.Body, again.Body);
        }

        var stats = harness.Receiver.Stats;
        Assert.Equal(events.Count, stats.UniqueIds);
        Assert.Equal(beforeKill.Length, stats.Duplicates);
        Assert.Equal(0, await harness.DeadLetters.CountAsync());
        harness.Report($"killed mid-batch: {events.Count} events, {atKill.Delivered} delivered and {inFlight} in flight when killed ({beforeKill.Length} recorded by the receiver), " +
            $"all {stats.UniqueIds} delivered {(harness.Receiver.Deliveries[^1].ArrivedAt - killedAt).TotalSeconds:0.0} s after the kill, " +
            $"{stats.Duplicates} duplicates (same webhook-id), {stats.Requests} requests");
    }

    [Fact]
    public async Task Two_consumers_on_one_queue_lose_nothing_and_duplicates_are_counted()
    {
        await using var harness = await ConsumerHarness.CreateAsync(output, "twoconsumers");
        var events = TestEvents.Interleaved(dids: 100, perDid: 10);
        await harness.SendAsync(events, perMessage: 10);

        var clock = Stopwatch.StartNew();
        await Task.WhenAll(harness.StartConsumerAsync(label: "consumer-a"), harness.StartConsumerAsync(label: "consumer-b"));
        await harness.Receiver.WaitForUniqueAsync(events.Count, TimeSpan.FromSeconds(60));
        var elapsed = clock.Elapsed;
        await ConsumerHarness.WaitUntilAsync(async () => await harness.MainQueueCountAsync() == 0, TimeSpan.FromSeconds(10), "the queue to empty");

        var expected = events.ToDictionary(e => e.EventId, e => e.EventJson.ToArray());
        Assert.All(harness.Receiver.Deliveries, d => Assert.Equal(expected[d.Id], d.Body));
        var stats = harness.Receiver.Stats;
        Assert.Equal(events.Count, stats.UniqueIds);
        Assert.Equal(0, stats.Rejected);
        Assert.Equal(0, await harness.DeadLetters.CountAsync());
        harness.Report($"two consumers: {events.Count} events in {events.Count / 10} messages, {stats.Requests} requests, " +
            $"{stats.UniqueIds} unique, {stats.Duplicates} duplicates, drained in {elapsed.TotalSeconds:0.0} s");
    }
}
