using System.Globalization;
using Jetstream.Storage;
using Jetstream.WebhookReceiver;
using Xunit.Abstractions;

namespace Jetstream.WebhookConsumer.Tests;

/// <summary>
/// Issue 20: while a receiver is down the consumer receives the backlog into hand (<c>Webhook:MaxKeptMessages</c>),
/// so when it is back everything goes out from memory at full width. Before, the loop kept only the batch the outage
/// met and the backlog waited in the queue, received 32 messages at a time after the return (8 s for a 15 s outage's
/// 3,000 events on the bench). A real receiver that aborts every connection, Azurite, one event to a message (the
/// Silo's messages at a trickle carry one or two); the queue's visible messages are read by peeking, which does not
/// take them.
/// </summary>
public sealed class BacklogInHandTests(ITestOutputHelper output)
{
    private const int Dids = 40;
    private const int Events = 600;

    [Fact]
    public async Task A_backlog_piling_up_while_the_receiver_is_down_is_held_in_hand_and_delivered_soon_after_its_return_in_DID_order()
    {
        await using var harness = await ConsumerHarness.CreateAsync(output, "inhand");
        var sent = await QueueWhileDownAsync(harness, maxKeptMessages: null);

        // Every message is in hand: nothing is visible in the queue while the receiver is still down.
        var visible = await VisibleAfterAsync(harness, TimeSpan.FromSeconds(20), until: count => count == 0);
        Assert.True(visible == 0, $"{visible}+ messages still visible in the queue 20 s into the outage: the backlog was left there");

        var back = await ReturnAndDeliverAsync(harness, sent);
        Assert.True(back < TimeSpan.FromSeconds(5), $"the backlog was delivered {back.TotalSeconds:0.0} s after the receiver returned");
    }

    [Fact]
    public async Task Webhook_MaxKeptMessages_bounds_what_is_held_and_the_rest_waits_in_the_queue_without_loss()
    {
        await using var harness = await ConsumerHarness.CreateAsync(output, "inhandcap");
        var sent = await QueueWhileDownAsync(harness, maxKeptMessages: 100);

        // 100 of 600 in hand at most: the queue still shows visible messages however long the outage lasts.
        var visible = await VisibleAfterAsync(harness, TimeSpan.FromSeconds(6), until: _ => false);
        Assert.True(visible > 0, "nothing visible in the queue 6 s into the outage with Webhook:MaxKeptMessages=100");

        await ReturnAndDeliverAsync(harness, sent);
    }

    /// <summary>Starts a consumer with the receiver down and queues the events, one to a message, over a few DIDs.</summary>
    private static async Task<List<QueuedEvent>> QueueWhileDownAsync(ConsumerHarness harness, int? maxKeptMessages)
    {
        harness.Receiver.Behaviour = ReceiverBehaviour.Unreachable;
        var settings = new Dictionary<string, string?>
        {
            // A probe every second, so the return is seen within a second and the bound is the drain's.
            ["Webhook:CircuitMaxBreakDuration"] = "00:00:01",
        };
        if (maxKeptMessages is { } max)
        {
            settings["Webhook:MaxKeptMessages"] = max.ToString(CultureInfo.InvariantCulture);
        }

        // Retries far apart: an event left to wait out a retry would miss the bound.
        for (var i = 0; i < 12; i++)
        {
            settings[$"Webhook:RetrySchedule:{i}"] = "00:00:10";
        }

        await harness.StartConsumerAsync(settings);
        var sent = Enumerable.Range(0, Events).Select(i => TestEvents.Commit($"did:plc:inhand{i % Dids:D4}", i)).ToList();
        await harness.SendAsync(sent, perMessage: 1);
        return sent;
    }

    /// <summary>Peeks the queue until <paramref name="until"/> holds or <paramref name="limit"/> runs out; the last count seen (at most 32).</summary>
    private static async Task<int> VisibleAfterAsync(ConsumerHarness harness, TimeSpan limit, Func<int, bool> until)
    {
        var deadline = DateTime.UtcNow + limit;
        while (true)
        {
            var visible = (await harness.Clients.Queue.PeekMessagesAsync(maxMessages: 32)).Value.Length;
            if (until(visible) || DateTime.UtcNow > deadline)
            {
                return visible;
            }

            await Task.Delay(200);
        }
    }

    /// <returns>How long after the receiver's return the last of the events arrived.</returns>
    private static async Task<TimeSpan> ReturnAndDeliverAsync(ConsumerHarness harness, List<QueuedEvent> sent)
    {
        Assert.Equal(0L, harness.Receiver.Stats.UniqueEvents);
        harness.Receiver.Behaviour = ReceiverBehaviour.Normal;
        var back = DateTimeOffset.UtcNow;
        await ConsumerHarness.WaitUntilAsync(
            () => Task.FromResult(harness.Receiver.Deliveries.Select(d => d.Id).Distinct().Count() >= sent.Count),
            TimeSpan.FromSeconds(90),
            $"all {sent.Count} events");

        var deliveries = harness.Receiver.Deliveries;
        var done = deliveries.GroupBy(d => d.Id).Max(g => g.Min(d => d.ArrivedAt)) - back;
        var overtaken = harness.OvertakenWithinDid(sent);
        harness.Report($"{sent.Count} events over {Dids} DIDs queued while down: all delivered {done.TotalSeconds:0.0} s after the return; {harness.Receiver.Stats.Requests} requests, {overtaken} overtaken within a DID");

        Assert.Equal(sent.Select(e => e.EventId).Order(), deliveries.Select(d => d.Id).Distinct().Order());
        Assert.Equal(0, overtaken);
        Assert.Equal(0, await harness.DeadLetters.CountAsync());

        // Every message settled (a delete each, after the deliveries from hand) before the consumer is stopped, so the
        // stop's own writes are not left behind a loaded Azurite's queue of deletes.
        await ConsumerHarness.WaitUntilAsync(async () => await harness.MainQueueCountAsync() == 0, TimeSpan.FromSeconds(60), "the queue to be empty");
        return done;
    }
}
