using Xunit.Abstractions;

namespace Jetstream.WebhookConsumer.Tests;

/// <summary>
/// Issue 20: the backlog a receiver's outage leaves is delivered soon after it returns, not over a cycle of the queue.
/// Events that failed the endpoint's way just before the circuit opened went back to the queue; the messages kept in
/// hand for the probe then held their DIDs' later events behind them, and those, put back, went behind the whole
/// backlog (Azure Queues hand out the oldest visibility first), holding their DIDs' next events behind them in turn,
/// so a DID stayed held until the queue was through (the bench: 3,000 events drained 10 s after the return). A steady
/// flow over few DIDs (each DID many times in the backlog) through a real receiver that aborts every connection for
/// 8 s, on Azurite; retries of 10 s are configured, so an event left to wait out a retry would miss the bound.
/// </summary>
public sealed class OutageDrainTests(ITestOutputHelper output)
{
    // 100 events/s over 50 DIDs, 10 to a message, for 14 s; the receiver aborts every connection from 3 s to 11 s.
    private static readonly OutageFlow Flow = new("did:plc:drain", Dids: 50, EventsPerSecond: 100, PerMessage: 10,
        Length: TimeSpan.FromSeconds(14), DownAt: TimeSpan.FromSeconds(3), BackAt: TimeSpan.FromSeconds(11));

    [Theory]
    [InlineData(1)]
    [InlineData(20)]
    public async Task The_backlog_an_outage_leaves_is_delivered_within_5_seconds_of_the_return_in_DID_order(int batchMaxEvents)
    {
        await using var harness = await ConsumerHarness.CreateAsync(output, "outagedrain");
        var settings = OutageFlow.Settings(batchMaxEvents, "00:00:10");

        // A probe every second, so the return is seen within a second and the bound is the drain's.
        settings["Webhook:CircuitMaxBreakDuration"] = "00:00:01";
        await harness.StartConsumerAsync(settings);

        var run = await Flow.RunAsync(harness);

        var sent = run.Sent;
        await ConsumerHarness.WaitUntilAsync(
            () => Task.FromResult(ReceivedEvents.Accepted(harness.Receiver.Deliveries).Select(a => a.EventId).Distinct().Count() >= sent.Count),
            TimeSpan.FromSeconds(90),
            $"all {sent.Count} events");
        var accepted = ReceivedEvents.Accepted(harness.Receiver.Deliveries);
        var backlog = run.Backlog;
        var firstArrival = accepted.GroupBy(a => a.EventId).ToDictionary(g => g.Key, g => g.First().At);
        var backlogDone = backlog.Max(id => firstArrival[id]) - run.Back;
        var overtaken = ReceivedEvents.Overtaken(sent, accepted.Select(a => a.EventId));
        harness.Report($"batches of {batchMaxEvents}, down {run.DownFor.TotalSeconds:0} s: {sent.Count} events over {Flow.Dids} DIDs, " +
            $"{backlog.Count} queued before the return, all delivered {backlogDone.TotalSeconds:0.0} s after it; {harness.Receiver.Stats.Requests} requests, {overtaken} overtaken within a DID");

        Assert.True(backlogDone < TimeSpan.FromSeconds(5), $"the backlog was delivered {backlogDone.TotalSeconds:0.0} s after the receiver returned");
        Assert.Equal(sent.Select(e => e.EventId).Order(), firstArrival.Keys.Order());
        Assert.Equal(0, overtaken);
        Assert.Equal(0, await harness.DeadLetters.CountAsync());
    }
}
