using System.Collections.Frozen;
using Azure.Storage.Queues.Models;
using Jetstream.Storage;
using Jetstream.WebhookConsumer.Receive;
using Jetstream.WebhookConsumer.Settle;
using Microsoft.Extensions.Time.Testing;

namespace Jetstream.WebhookConsumer.Tests;

/// <summary>
/// The settler's decisions (<see cref="MessageDecision"/>, <see cref="FailedBatches"/>, the visibility it asks for), made
/// from the outcomes the delivery steps returned, on a clock the test moves; no storage (the Azurite tests cover the
/// writes themselves).
/// </summary>
public sealed class SettleDecisionTests
{
    private const int MaxMessageBytes = 60 * 1024;

    private readonly FakeTimeProvider _clock = new(new DateTimeOffset(2026, 12, 6, 12, 0, 0, TimeSpan.Zero));
    private int _sequence;

    private DateTimeOffset Now => _clock.GetUtcNow();

    [Fact]
    public void A_message_whose_events_were_delivered_or_skipped_as_copies_is_deleted()
    {
        var message = Message(Queued("did:plc:a", 1), Queued("did:plc:b", 1));

        var decision = Decide(message, [DeliveryOutcome.Delivered(message.Events[0].Queued), DeliveryOutcome.Copy(message.Events[1].Queued)]);

        Assert.Equal(MessageAction.Delete, decision.Action);
        Assert.Empty(decision.DeadLetters);
    }

    [Fact]
    public void A_message_whose_events_were_only_held_goes_back_unchanged_visible_when_the_earliest_is_due_in_whole_seconds()
    {
        var message = Message(Queued("did:plc:a", 1), Queued("did:plc:a", 2));
        var due = Now + TimeSpan.FromSeconds(1.2);

        var decision = Decide(message, [Held(message, 0, due + TimeSpan.FromSeconds(5)), Held(message, 1, due)]);

        Assert.Equal((MessageAction.PutBack, due), (decision.Action, decision.DueAt));
        Assert.Null(decision.Parts);
        Assert.Equal(TimeSpan.FromSeconds(2), MessageSettler.VisibilityUntil(decision.DueAt, Now));
        Assert.Equal(TimeSpan.Zero, MessageSettler.VisibilityUntil(Now - TimeSpan.FromSeconds(1), Now));
        Assert.Equal(TimeSpan.FromDays(7) - TimeSpan.FromMinutes(1), MessageSettler.VisibilityUntil(Now + TimeSpan.FromDays(30), Now));
    }

    [Fact]
    public void A_failed_event_is_rewritten_into_its_message_with_its_attempt_and_the_delivered_one_leaves_it()
    {
        var message = Message(Queued("did:plc:a", 1), Queued("did:plc:b", 1));
        var due = Now + TimeSpan.FromSeconds(10);
        var failed = message.Events[1].Queued with { Attempts = 1, NotBefore = due, LastStatus = 500 };

        var decision = Decide(message, [DeliveryOutcome.Delivered(message.Events[0].Queued), DeliveryOutcome.Retry(failed, due, forEndpoint: false)]);

        Assert.Equal(MessageAction.Rewrite, decision.Action);
        var part = Assert.Single(decision.Parts!);
        Assert.Equal(due, part.DueAt);
        var written = Assert.Single(QueueMessageCodec.Decode(part.Body));
        Assert.Equal((failed.EventId, 1, (int?)500), (written.EventId, written.Attempts, written.LastStatus));
    }

    [Fact]
    public void A_dead_lettered_event_goes_to_the_poison_queue_first_and_leaves_its_message()
    {
        var alone = Message(Queued("did:plc:a", 1));
        var dead = alone.Events[0].Queued with { Attempts = 9, LastError = "HTTP 410" };
        var deleted = Decide(alone, [DeliveryOutcome.DeadLetter(dead)]);
        Assert.Equal(MessageAction.Delete, deleted.Action);
        Assert.Same(dead, Assert.Single(deleted.DeadLetters));

        // With an event left behind it, the message is rewritten without it.
        var shared = Message(Queued("did:plc:a", 2), Queued("did:plc:b", 1));
        var rewritten = Decide(shared, [DeliveryOutcome.DeadLetter(shared.Events[0].Queued with { Attempts = 9 }), Held(shared, 1, Now)]);
        Assert.Equal(MessageAction.Rewrite, rewritten.Action);
        Assert.Single(rewritten.DeadLetters);
        Assert.Equal([shared.Events[1].Queued.EventId], QueueMessageCodec.Decode(Assert.Single(rewritten.Parts!).Body).Select(e => e.EventId));
    }

    [Fact]
    public void While_the_circuit_is_open_a_message_due_by_the_probe_is_kept_in_hand_and_one_due_later_goes_back()
    {
        var probeAt = Now + TimeSpan.FromSeconds(30);
        var forProbe = Message(Queued("did:plc:a", 1));
        var later = Message(Queued("did:plc:b", 1));
        var held = forProbe.Events[0].Queued with { FirstAttemptAt = Now };

        var kept = Decide(forProbe, [DeliveryOutcome.Held(held, probeAt, forEndpoint: true)], keepUntil: probeAt);
        var back = Decide(later, [Held(later, 0, probeAt + TimeSpan.FromMinutes(5))], keepUntil: probeAt);

        // The circuit stamped the start of the wait, so what is kept is rewritten with it.
        Assert.Equal(MessageAction.Keep, kept.Action);
        Assert.NotNull(kept.Parts);
        Assert.Equal(MessageAction.PutBack, back.Action);
    }

    [Fact]
    public void A_failed_batch_spread_over_two_messages_is_regrouped_in_body_order_and_one_within_a_message_is_not()
    {
        var due = Now + TimeSpan.FromSeconds(5);
        var first = Message(Queued("did:plc:a", 1), Queued("did:plc:c", 1));
        var second = Message(Queued("did:plc:b", 1), Queued("did:plc:d", 1));
        var outcomes = new Dictionary<InFlightEvent, DeliveryOutcome>
        {
            // bat_x over both messages (b1 first in its body), bat_y inside the first message, d1 delivered.
            [second.Events[0]] = InBatch(second.Events[0], "bat_x", 0, 2, due),
            [first.Events[0]] = InBatch(first.Events[0], "bat_x", 1, 2, due),
            [first.Events[1]] = InBatch(first.Events[1], "bat_y", 0, 1, due),
            [second.Events[1]] = DeliveryOutcome.Delivered(second.Events[1].Queued),
        };

        var regroup = FailedBatches.ToRegroup(new DeliveredBatch([first, second], outcomes.ToFrozenDictionary()), MaxMessageBytes).ToList();

        var batch = Assert.Single(regroup);
        Assert.Equal([second.Events[0], first.Events[0]], batch.Select(m => m.Event));
        Assert.Empty(FailedBatches.ToRegroup(new DeliveredBatch([first, second], outcomes.ToFrozenDictionary()), maxMessageBytes: 100));
    }

    [Fact]
    public void An_event_no_step_reached_goes_back_as_it_came_visible_at_once()
    {
        var message = Message(Queued("did:plc:a", 1));
        var delivered = new DeliveredBatch([message], FrozenDictionary<InFlightEvent, DeliveryOutcome>.Empty);

        var decision = Decide(message, [delivered.OutcomeOf(message.Events[0])]);

        Assert.Equal(MessageAction.PutBack, decision.Action);
        Assert.Equal(TimeSpan.Zero, MessageSettler.VisibilityUntil(decision.DueAt, Now));
    }

    private static MessageDecision Decide(ReceivedMessage message, IReadOnlyList<DeliveryOutcome> outcomes, DateTimeOffset? keepUntil = null) =>
        MessageDecision.For(message, outcomes, keepUntil, MaxMessageBytes);

    private static DeliveryOutcome Held(ReceivedMessage message, int index, DateTimeOffset until) =>
        DeliveryOutcome.Held(message.Events[index].Queued, until, forEndpoint: false);

    private static DeliveryOutcome InBatch(InFlightEvent inFlight, string batchId, int index, int size, DateTimeOffset due) =>
        DeliveryOutcome.Retry(inFlight.Queued with { Attempts = 1, NotBefore = due, BatchId = batchId, BatchIndex = index, BatchSize = size }, due, forEndpoint: false);

    private QueuedEvent Queued(string did, int seq) =>
        TestEvents.Commit(did, seq) with { QueuedAt = Now + TimeSpan.FromMilliseconds(Interlocked.Increment(ref _sequence)) };

    private static ReceivedMessage Message(params QueuedEvent[] events) =>
        new(QueuesModelFactory.QueueMessage(Guid.NewGuid().ToString(), "receipt", new BinaryData([]), 1), events);
}
