using System.Diagnostics;
using Jetstream.WebhookReceiver;
using Xunit.Abstractions;

namespace Jetstream.WebhookConsumer.Tests;

public sealed class OutageTests(ITestOutputHelper output)
{
    [Fact]
    public async Task Receiver_down_for_30_seconds_gets_every_event_after_it_returns()
    {
        await using var harness = await ConsumerHarness.CreateAsync(output, "outage");
        var events = TestEvents.Interleaved(dids: 25, perDid: 8);
        await harness.SendAsync(events, perMessage: 5);
        harness.Receiver.Behaviour = ReceiverBehaviour.Unreachable;

        // Backoff doubling from 1 s to an 8 s cap: the outage uses up about six attempts per event.
        string[] steps = ["00:00:01", "00:00:02", "00:00:04", "00:00:08", "00:00:08", "00:00:08", "00:00:08", "00:00:08", "00:00:08", "00:00:08"];
        var settings = steps.Select((step, i) => (Key: $"Webhook:RetrySchedule:{i}", Value: (string?)step)).ToDictionary(x => x.Key, x => x.Value);
        await harness.StartConsumerAsync(settings);
        await Task.Delay(TimeSpan.FromSeconds(30));
        var duringOutage = harness.Receiver.Stats;
        Assert.Equal(0, duringOutage.Delivered);
        Assert.True(duringOutage.Requests >= 25 * 3, $"only {duringOutage.Requests} attempts reached the receiver while it was down");

        harness.Receiver.Behaviour = ReceiverBehaviour.Normal;
        var drain = Stopwatch.StartNew();
        await harness.Receiver.WaitForUniqueAsync(events.Count, TimeSpan.FromSeconds(30));
        var drained = drain.Elapsed;

        var expected = events.ToDictionary(e => e.EventId, e => e.EventJson.ToArray());
        Assert.All(harness.Receiver.Deliveries, d => Assert.Equal(expected[d.Id], d.Body));
        Assert.Equal(0, harness.OvertakenWithinDid(events));
        Assert.Equal(0, await harness.DeadLetters.CountAsync());
        await ConsumerHarness.WaitUntilAsync(async () => await harness.MainQueueCountAsync() == 0, TimeSpan.FromSeconds(10), "the queue to empty");
        var stats = harness.Receiver.Stats;
        var attempts = harness.Receiver.Requests.GroupBy(r => r.Id).Select(g => g.Count()).ToArray();
        harness.Report($"30 s outage: {events.Count} events, {duringOutage.Requests} attempts refused during the outage, " +
            $"drained in {drained.TotalSeconds:0.0} s after the receiver returned; {stats.Requests} requests in all " +
            $"(attempts per event min {attempts.Min()}, max {attempts.Max()}, mean {attempts.Average():0.0}), {stats.Duplicates} duplicates");
    }
}
