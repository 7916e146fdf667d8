using Azure.Storage.Queues.Models;
using Jetstream.Storage.Circuits;
using Jetstream.Storage;
using Jetstream.WebhookConsumer.Circuit;
using Jetstream.WebhookReceiver;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Xunit.Abstractions;

namespace Jetstream.WebhookConsumer.Tests;

/// <summary>
/// The endpoint circuit against a real receiver taken down or answering 503, on Azurite, with the consumer host: it
/// opens, probes one request at a time at growing intervals, closes, and the events waiting for it spend no attempt,
/// are not dead-lettered and are all delivered in per-DID order once the receiver is back. The state is read the way
/// the Api reads it (the consumers' rows in the circuit table).
/// </summary>
public sealed class CircuitOutageTests(ITestOutputHelper output)
{
    // 20 events/s over 40 DIDs, 4 to a message, for 25 s; the receiver aborts every connection from 5 s to 20 s.
    private static readonly OutageFlow Flow = new("did:plc:down", Dids: 40, EventsPerSecond: 20, PerMessage: 4,
        Length: TimeSpan.FromSeconds(25), DownAt: TimeSpan.FromSeconds(5), BackAt: TimeSpan.FromSeconds(20));

    [Fact]
    public async Task A_503_receiver_opens_the_circuit_gets_one_probe_at_a_time_at_growing_intervals_and_no_event_spends_an_attempt()
    {
        await using var harness = await ConsumerHarness.CreateAsync(output, "circuit503");
        var events = TestEvents.Interleaved(dids: 20, perDid: 5);
        await harness.SendAsync(events, perMessage: 5);

        // Slow answers: a second request while one is in progress would arrive within 300 ms of it.
        harness.Receiver.Behaviour = new ReceiverBehaviour { StatusCode = 503, Delay = TimeSpan.FromMilliseconds(300) };

        // A cap above the default 2 s, so the doubling shows within the 14 s watched: 1 s, 2 s, 4 s, 8 s.
        var host = await harness.StartConsumerAsync(new Dictionary<string, string?> { ["Webhook:CircuitMaxBreakDuration"] = "00:00:10" });
        var open = await WaitForStateAsync(harness.CircuitReports, EndpointCircuitState.Open, TimeSpan.FromSeconds(20));
        Assert.Contains("503", open.LastError);
        Assert.NotNull(open.NextProbeAt);

        await Task.Delay(TimeSpan.FromSeconds(14));
        var probes = harness.Receiver.Requests.Where(r => r.ArrivedAt > open.Since + TimeSpan.FromMilliseconds(100)).Select(r => r.ArrivedAt).ToArray();
        var gaps = probes.Zip(probes.Skip(1), (a, b) => b - a).ToArray();
        harness.Report($"503 receiver: circuit open after {harness.Receiver.Requests.Count - probes.Length} requests, then {probes.Length} probes in 14 s, " +
            $"gaps {string.Join(", ", gaps.Select(g => $"{g.TotalSeconds:0.0} s"))}");
        Assert.InRange(probes.Length, 2, 6);
        Assert.All(gaps, gap => Assert.True(gap >= TimeSpan.FromSeconds(1), $"two probes {gap.TotalMilliseconds:0} ms apart"));
        Assert.True(gaps[^1] > gaps[0], "the interval between probes did not grow");

        // What the queue holds is what a restarted or another consumer continues from: not one attempt spent.
        await harness.StopConsumersAsync();
        var waiting = await VisibleEventsAsync(harness.Clients, messages: 20, TimeSpan.FromSeconds(20));
        Assert.Equal(events.Count, waiting.Count);
        Assert.All(waiting, e => Assert.Equal(0, e.Attempts));
        Assert.True(waiting.Count(e => e.FirstAttemptAt is not null) >= 20, "the events that were tried carry no first attempt time");
        Assert.Equal(0, await harness.DeadLetters.CountAsync());

        harness.Receiver.Behaviour = ReceiverBehaviour.Normal;
        await harness.StartConsumerAsync();
        await harness.Receiver.WaitForUniqueAsync(events.Count, TimeSpan.FromSeconds(30));
        Assert.Equal(0, harness.OvertakenWithinDid(events));
        Assert.Equal(0, await harness.DeadLetters.CountAsync());
    }

    [Fact]
    public async Task Receiver_down_for_15_seconds_under_a_steady_flow_gets_every_event_in_order_soon_after_it_returns()
    {
        await using var harness = await ConsumerHarness.CreateAsync(output, "circuitdown");
        var host = await harness.StartConsumerAsync();
        IReadOnlyList<PeekedMessage>? visibleBeforeReturn = null;
        var run = await Flow.RunAsync(harness, async () => visibleBeforeReturn = (await harness.Clients.Queue.PeekMessagesAsync(32)).Value);
        var (sent, down, back) = (run.Sent, run.Down, run.Back);

        await harness.Receiver.WaitForUniqueAsync(sent.Count, TimeSpan.FromSeconds(60));
        var first = harness.Receiver.Deliveries.GroupBy(d => d.Id).Select(g => g.Min(d => d.ArrivedAt)).ToArray();
        var lastAfterReturn = first.Max() - back;
        var duringOutage = harness.Receiver.Requests.Count(r => r.ArrivedAt >= down && r.ArrivedAt < back);
        var closed = await WaitForStateAsync(harness.CircuitReports, EndpointCircuitState.Closed, TimeSpan.FromSeconds(10));
        var circuit = Assert.Single(host.Services.GetRequiredService<EndpointCircuits>().All).Snapshot;
        var opened = circuit.Since - circuit.Outage!.Value;
        var probes = harness.Receiver.Requests.Count(r => r.ArrivedAt > opened + TimeSpan.FromMilliseconds(100) && r.ArrivedAt < back);
        harness.Report($"15 s outage at 20 events/s: {sent.Count} events; circuit open {(opened - down).TotalSeconds:0.0} s into the outage " +
            $"after {duringOutage - probes} requests, then {probes} probes; closed {(closed.Since - back).TotalSeconds:0.0} s after the receiver returned, " +
            $"every event delivered {lastAfterReturn.TotalSeconds:0.0} s after it; {harness.Receiver.Stats.Duplicates} duplicates");

        // While the circuit was open the consumer received the backlog into hand until each probe (issue 20,
        // Subscriptions/BacklogInHand): just before the return only what was queued in the last moments was visible.
        var leftInQueue = visibleBeforeReturn!.Where(m => m.InsertedOn < back - TimeSpan.FromSeconds(3)).ToList();
        harness.Report($"just before the return: {visibleBeforeReturn!.Count} messages visible (peek), {leftInQueue.Count} of them queued over 3 s before it");
        Assert.Empty(leftInQueue);
        Assert.True(lastAfterReturn < TimeSpan.FromSeconds(15), $"the last event came {lastAfterReturn.TotalSeconds:0.0} s after the receiver returned");
        // One probe at most every Webhook:CircuitMaxBreakDuration (2 s) over the ~13 s the circuit is open: 1 s, then 2 s apart.
        Assert.InRange(probes, 1, 9);
        Assert.True(closed.Since > back);
        Assert.Equal(0, harness.OvertakenWithinDid(sent));
        Assert.Equal(0, await harness.DeadLetters.CountAsync());
        await ConsumerHarness.WaitUntilAsync(async () => await harness.MainQueueCountAsync() == 0, TimeSpan.FromSeconds(10), "the queue to empty");
    }

    [Fact]
    public async Task A_receiver_answering_500_to_everything_leaves_the_circuit_closed_and_the_per_event_schedule_applies()
    {
        await using var harness = await ConsumerHarness.CreateAsync(output, "circuit500");
        var events = TestEvents.Interleaved(dids: 6, perDid: 1);
        await harness.SendAsync(events, perMessage: 2);
        harness.Receiver.Behaviour = new ReceiverBehaviour { StatusCode = 500 };

        var host = await harness.StartConsumerAsync(new Dictionary<string, string?>
        {
            ["Webhook:RetrySchedule:0"] = "00:00:00.2",
            ["Webhook:RetrySchedule:1"] = "00:00:00.5",
            ["Webhook:RetrySchedule:2"] = "00:00:01",
        });
        await ConsumerHarness.WaitUntilAsync(async () => await harness.DeadLetters.CountAsync() == events.Count, TimeSpan.FromSeconds(30), "every event dead-lettered");

        var entries = await harness.DeadLetters.PeekAsync(10);
        Assert.All(entries, e => Assert.Equal((4, (int?)500), (e.Attempts, e.LastStatus)));
        Assert.Equal(24, harness.Receiver.Stats.Requests);
        var circuit = Assert.Single(host.Services.GetRequiredService<EndpointCircuits>().All);
        Assert.Equal(EndpointCircuitState.Closed, circuit.Snapshot.State);
        Assert.Empty(await harness.CircuitReports.ReadAsync(Jetstream.Storage.Subscriptions.SubscriptionDocument.DefaultId));
    }

    /// <summary>The row the Api would read for <c>default</c> once it says <paramref name="state"/>.</summary>
    private static async Task<EndpointCircuitReport> WaitForStateAsync(EndpointCircuitStore store, EndpointCircuitState state, TimeSpan timeout)
    {
        EndpointCircuitReport? report = null;
        await ConsumerHarness.WaitUntilAsync(
            async () => (report = (await store.ReadAsync(Jetstream.Storage.Subscriptions.SubscriptionDocument.DefaultId)).FirstOrDefault(r => r.State == state)) is not null,
            timeout,
            $"the circuit to be reported {state}");
        return report!;
    }

    /// <summary>Every event of the queue once all <paramref name="messages"/> are visible again, read without hiding them.</summary>
    private static async Task<IReadOnlyList<QueuedEvent>> VisibleEventsAsync(EventQueueClients clients, int messages, TimeSpan timeout)
    {
        Azure.Storage.Queues.Models.PeekedMessage[] peeked = [];
        await ConsumerHarness.WaitUntilAsync(
            async () => (peeked = (await clients.Queue.PeekMessagesAsync(32)).Value).Length >= messages,
            timeout,
            $"{messages} messages visible");
        return peeked.SelectMany(m => QueueMessageCodec.Decode(m.Body)).ToArray();
    }
}
