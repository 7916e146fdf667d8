using System.Diagnostics;
using Jetstream.Storage;
using Jetstream.WebhookReceiver;
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
    private const int Dids = 50;

    [Theory]
    [InlineData(1)]
    [InlineData(20)]
    public async Task The_backlog_an_outage_leaves_is_delivered_within_5_seconds_of_the_return_in_DID_order(int batchMaxEvents)
    {
        await using var harness = await ConsumerHarness.CreateAsync(output, "outagedrain");
        var settings = new Dictionary<string, string?>
        {
            ["Webhook:BatchMaxEvents"] = batchMaxEvents.ToString(System.Globalization.CultureInfo.InvariantCulture),

            // A probe every second, so the return is seen within a second and the bound is the drain's.
            ["Webhook:CircuitMaxBreakDuration"] = "00:00:01",
        };
        for (var i = 0; i < 12; i++)
        {
            settings[$"Webhook:RetrySchedule:{i}"] = "00:00:10";
        }

        await harness.StartConsumerAsync(settings);

        // 100 events/s, 10 to a message, for 14 s; the receiver aborts every connection from 3 s to 11 s.
        var sent = new List<QueuedEvent>();
        var clock = Stopwatch.StartNew();
        DateTimeOffset? down = null, back = null;
        var seq = 0;
        while (clock.Elapsed < TimeSpan.FromSeconds(14))
        {
            if (down is null && clock.Elapsed >= TimeSpan.FromSeconds(3))
            {
                harness.Receiver.Behaviour = ReceiverBehaviour.Unreachable;
                down = DateTimeOffset.UtcNow;
            }
            else if (back is null && clock.Elapsed >= TimeSpan.FromSeconds(11))
            {
                harness.Receiver.Behaviour = ReceiverBehaviour.Normal;
                back = DateTimeOffset.UtcNow;
            }

            var batch = Enumerable.Range(0, 10).Select(i => TestEvents.Commit($"did:plc:drain{(seq + i) % Dids:D4}", seq + i)).ToArray();
            seq += batch.Length;
            sent.AddRange(batch);
            await harness.SendAsync(batch, perMessage: 10);
            var due = TimeSpan.FromSeconds(seq / 100.0);
            if (due > clock.Elapsed)
            {
                await Task.Delay(due - clock.Elapsed);
            }
        }

        await ConsumerHarness.WaitUntilAsync(
            () => Task.FromResult(Arrivals(harness.Receiver.Deliveries).Select(a => a.EventId).Distinct().Count() >= sent.Count),
            TimeSpan.FromSeconds(90),
            $"all {sent.Count} events");
        var arrivals = Arrivals(harness.Receiver.Deliveries);
        var backlog = sent.Where(e => e.QueuedAt < back!.Value).Select(e => e.EventId).ToHashSet();
        var firstArrival = arrivals.GroupBy(a => a.EventId).ToDictionary(g => g.Key, g => g.First().At);
        var backlogDone = backlog.Max(id => firstArrival[id]) - back!.Value;
        var overtaken = Overtaken(sent, arrivals);
        harness.Report($"batches of {batchMaxEvents}, down {(back.Value - down!.Value).TotalSeconds:0} s: {sent.Count} events over {Dids} DIDs, " +
            $"{backlog.Count} queued before the return, all delivered {backlogDone.TotalSeconds:0.0} s after it; {harness.Receiver.Stats.Requests} requests, {overtaken} overtaken within a DID");

        Assert.True(backlogDone < TimeSpan.FromSeconds(5), $"the backlog was delivered {backlogDone.TotalSeconds:0.0} s after the receiver returned");
        Assert.Equal(sent.Select(e => e.EventId).Order(), firstArrival.Keys.Order());
        Assert.Equal(0, overtaken);
        Assert.Equal(0, await harness.DeadLetters.CountAsync());
    }

    /// <summary>Every event of every accepted request, in arrival order (a batch's events in body order).</summary>
    private static List<(string EventId, DateTimeOffset At)> Arrivals(IEnumerable<Delivery> deliveries) =>
        [.. deliveries.OrderBy(d => d.ArrivedAt).SelectMany(d => OrderThroughOutageTests.EventIds(d.Body).Select(id => (id, d.ArrivedAt)))];

    /// <summary>First arrivals that came before the first arrival of an earlier-queued event of the same DID.</summary>
    private static int Overtaken(IReadOnlyList<QueuedEvent> sent, IReadOnlyList<(string EventId, DateTimeOffset At)> arrivals)
    {
        var position = sent.Select((e, i) => (e.EventId, i)).ToDictionary(x => x.EventId, x => x.i);
        var seen = new HashSet<string>();
        return arrivals
            .Where(a => seen.Add(a.EventId))
            .GroupBy(a => sent[position[a.EventId]].Did)
            .Sum(did => did.Zip(did.Skip(1)).Count(pair => position[pair.Second.EventId] < position[pair.First.EventId]));
    }
}
