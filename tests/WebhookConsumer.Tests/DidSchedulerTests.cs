using System.Collections.Frozen;
using Azure.Storage.Queues.Models;
using Jetstream.Storage;
using Jetstream.WebhookConsumer.Deliver;
using Jetstream.WebhookConsumer.Hosting;
using Jetstream.WebhookConsumer.Receive;
using Jetstream.WebhookConsumer.Schedule;
using Jetstream.WebhookConsumer.Settle;
using Microsoft.Extensions.Time.Testing;

namespace Jetstream.WebhookConsumer.Tests;

/// <summary>
/// Per-DID order and holding (<see cref="DidScheduler"/>, <see cref="DidTurn"/>, <see cref="PendingEvents"/>), batch by
/// batch as the consumer drives them, on a clock the test moves.
/// </summary>
public sealed class DidSchedulerTests
{
    private static readonly TimeSpan PollInterval = TimeSpan.FromSeconds(1);
    private static readonly TimeSpan VisibilityTimeout = TimeSpan.FromMinutes(2);

    private readonly FakeTimeProvider _clock = new(new DateTimeOffset(2025, 6, 1, 12, 0, 0, TimeSpan.Zero));
    private readonly DidScheduler _scheduler;
    private readonly Dictionary<InFlightEvent, DeliveryOutcome> _outcomes = [];
    private int _sequence;

    public DidSchedulerTests()
    {
        _scheduler = new DidScheduler(RetryPolicyTests.Policy(o => o.RetryJitter = 0), _clock, PollInterval, VisibilityTimeout);
    }

    private DateTimeOffset NoDeadline => _clock.GetUtcNow() + TimeSpan.FromMinutes(5);

    [Fact]
    public void A_DIDs_events_come_in_queue_order_across_messages_and_equal_stamps_keep_receive_order()
    {
        var a1 = Queued("did:plc:a", 1);
        var a2 = Queued("did:plc:a", 2);
        var a3 = Queued("did:plc:a", 3) with { QueuedAt = a2.QueuedAt };
        var b1 = Queued("did:plc:b", 1);

        // Updated for a retry, a2's message came back ahead of a1's.
        var groups = DidScheduler.ByDid([Message(a2, a3, b1), Message(a1)]);

        Assert.Equal(2, groups.Count);
        Assert.Equal([a1.EventId, a2.EventId, a3.EventId], groups.Single(g => g[0].Did == "did:plc:a").Select(e => e.Queued.EventId));
        Assert.Equal([b1.EventId], groups.Single(g => g[0].Did == "did:plc:b").Select(e => e.Queued.EventId));
    }

    [Fact]
    public void A_failed_event_holds_its_DIDs_later_events_until_its_retry_and_other_DIDs_go_on()
    {
        var a1 = Queued("did:plc:a", 1);
        var a2 = Queued("did:plc:a", 2);
        var b1 = Queued("did:plc:b", 1);
        var batch = Batch(Message(a1, a2, b1));

        var a = Begin("did:plc:a");
        Assert.True(a.TryStart(batch[a1], NoDeadline));
        Assert.Equal(EventOutcome.Retry, a.Finish(batch[a1], Failed()).Kind);
        Assert.True(a.IsHeld);
        Assert.False(a.TryStart(batch[a2], NoDeadline));
        var b = Begin("did:plc:b");
        Assert.True(b.TryStart(batch[b1], NoDeadline));
        Assert.Equal(EventOutcome.Delivered, b.Finish(batch[b1], Delivered()).Kind);

        var due = _clock.GetUtcNow() + TimeSpan.FromSeconds(1);
        Assert.Equal((EventOutcome.Retry, due, 1), (Of(batch[a1]).Kind, Of(batch[a1]).DueAt, Of(batch[a1]).Updated.Attempts));
        Assert.Equal((EventOutcome.Held, due, 0), (Of(batch[a2]).Kind, Of(batch[a2]).DueAt, Of(batch[a2]).Updated.Attempts));
    }

    [Fact]
    public void A_later_event_in_the_next_batch_waits_for_the_pending_retry_and_goes_after_it_is_delivered()
    {
        var a1 = Queued("did:plc:a", 1);
        var a2 = Queued("did:plc:a", 2);
        var first = Batch(Message(a1));
        var turn = Begin("did:plc:a");
        Assert.True(turn.TryStart(first[a1], NoDeadline));
        turn.Finish(first[a1], Failed());
        _scheduler.Prune();

        // a2 arrives in its own message before a1's retry is due: held until then, unattempted.
        var second = Batch(Message(a2));
        Assert.False(Begin("did:plc:a").TryStart(second[a2], NoDeadline));
        Assert.Equal(Of(first[a1]).DueAt, Of(second[a2]).DueAt);
        _scheduler.Prune();

        // Both come back once due: a1 first (queue order), delivered, then a2.
        _clock.Advance(TimeSpan.FromSeconds(1));
        var third = Batch(Message(Of(second[a2]).Updated), Message(Of(first[a1]).Updated));
        var group = Assert.Single(DidScheduler.ByDid(third.Messages));
        Assert.Equal([a1.EventId, a2.EventId], group.Select(e => e.Queued.EventId));
        var again = Begin("did:plc:a");
        Assert.True(again.TryStart(group[0], NoDeadline));
        Assert.Equal(EventOutcome.Delivered, again.Finish(group[0], Delivered()).Kind);
        Assert.True(again.TryStart(group[1], NoDeadline));
        Assert.Equal(EventOutcome.Delivered, again.Finish(group[1], Delivered()).Kind);
        _scheduler.Prune();
        Assert.Equal(0, _scheduler.PendingDids);
    }

    [Fact]
    public void A_dead_lettered_event_does_not_hold_its_DIDs_later_events()
    {
        var a1 = Queued("did:plc:a", 1);
        var a2 = Queued("did:plc:a", 2);
        var batch = Batch(Message(a1, a2));

        var turn = Begin("did:plc:a");
        Assert.True(turn.TryStart(batch[a1], NoDeadline));
        Assert.Equal(EventOutcome.DeadLetter, turn.Finish(batch[a1], DeliveryResult.Failure(null, "gone", permanent: true)).Kind);
        Assert.True(turn.TryStart(batch[a2], NoDeadline));
        Assert.Equal(1, Of(batch[a1]).Updated.Attempts);
    }

    [Fact]
    public void An_event_not_yet_due_is_held_until_its_own_time_and_so_are_the_DIDs_later_events()
    {
        var notBefore = _clock.GetUtcNow() + TimeSpan.FromSeconds(30);
        var a1 = Queued("did:plc:a", 1) with { Attempts = 1, NotBefore = notBefore };
        var a2 = Queued("did:plc:a", 2);
        var batch = Batch(Message(a1, a2));

        var turn = Begin("did:plc:a");
        Assert.False(turn.TryStart(batch[a1], NoDeadline));
        Assert.False(turn.TryStart(batch[a2], NoDeadline));

        Assert.Equal((EventOutcome.Held, notBefore), (Of(batch[a1]).Kind, Of(batch[a1]).DueAt));
        Assert.Equal((EventOutcome.Held, notBefore), (Of(batch[a2]).Kind, Of(batch[a2]).DueAt));
    }

    [Fact]
    public void Past_the_batch_deadline_nothing_more_is_attempted_and_it_is_due_at_once()
    {
        var a1 = Queued("did:plc:a", 1);
        var batch = Batch(Message(a1));

        var turn = Begin("did:plc:a");
        Assert.False(turn.TryStart(batch[a1], deadline: _clock.GetUtcNow() - TimeSpan.FromMilliseconds(1)));

        Assert.Equal((EventOutcome.Held, _clock.GetUtcNow()), (Of(batch[a1]).Kind, Of(batch[a1]).DueAt));
    }

    [Fact]
    public void Behind_an_overdue_event_that_has_not_come_back_the_DID_looks_again_a_second_later()
    {
        var a1 = Queued("did:plc:a", 1);
        var a2 = Queued("did:plc:a", 2);
        var first = Batch(Message(a1));
        var turn = Begin("did:plc:a");
        turn.TryStart(first[a1], NoDeadline);
        turn.Finish(first[a1], Failed());

        _clock.Advance(TimeSpan.FromSeconds(1.5));
        var second = Batch(Message(a2));
        Assert.False(Begin("did:plc:a").TryStart(second[a2], NoDeadline));

        Assert.Equal(_clock.GetUtcNow() + TimeSpan.FromSeconds(1), Of(second[a2]).DueAt);
    }

    [Fact]
    public void A_pending_event_that_never_comes_back_stops_holding_the_DID_after_the_grace()
    {
        var a1 = Queued("did:plc:a", 1);
        var a2 = Queued("did:plc:a", 2);
        var first = Batch(Message(a1));
        var turn = Begin("did:plc:a");
        turn.TryStart(first[a1], NoDeadline);
        turn.Finish(first[a1], Failed());

        // Another consumer took a1: past its due time plus the grace (1 s + two poll intervals), and a receive since
        // it came due brought the whole visible queue without it, a2 goes on.
        _clock.Advance(TimeSpan.FromSeconds(1) + TimeSpan.FromSeconds(1) + (2 * PollInterval));
        _scheduler.Drained(_clock.GetUtcNow() - PollInterval);
        _scheduler.Prune();
        Assert.Equal(0, _scheduler.PendingDids);
        var second = Batch(Message(a2));
        Assert.True(Begin("did:plc:a").TryStart(second[a2], NoDeadline));
    }

    [Fact]
    public void Past_the_grace_a_pending_event_holds_its_DID_until_a_receive_has_seen_the_queue_to_the_end()
    {
        var a1 = Queued("did:plc:a", 1);
        var a2 = Queued("did:plc:a", 2);
        var first = Batch(Message(a1));
        var turn = Begin("did:plc:a");
        turn.TryStart(first[a1], NoDeadline);
        turn.Finish(first[a1], Failed());
        var due = Of(first[a1]).DueAt;

        // A backlog: every receive since a1 came due was full, so its message may still be behind the ones received.
        _clock.Advance(TimeSpan.FromSeconds(20));
        _scheduler.Drained(due);
        _scheduler.Prune();
        Assert.False(Begin("did:plc:a").TryStart(Batch(Message(a2))[a2], NoDeadline));

        // A receive that brought fewer than it asked for, a second after a1 came due: a1 is elsewhere.
        _scheduler.Drained(due + TimeSpan.FromSeconds(1));
        Assert.True(Begin("did:plc:a").TryStart(Batch(Message(a2))[a2], NoDeadline));
    }

    [Fact]
    public void A_pending_event_stops_holding_a_queue_that_never_empties_a_visibility_timeout_after_its_grace()
    {
        var a1 = Queued("did:plc:a", 1);
        var a2 = Queued("did:plc:a", 2);
        var first = Batch(Message(a1));
        var turn = Begin("did:plc:a");
        turn.TryStart(first[a1], NoDeadline);
        turn.Finish(first[a1], Failed());

        _clock.Advance(TimeSpan.FromSeconds(1) + _scheduler.PendingGrace + VisibilityTimeout - TimeSpan.FromSeconds(1));
        Assert.False(Begin("did:plc:a").TryStart(Batch(Message(a2))[a2], NoDeadline));
        _clock.Advance(TimeSpan.FromSeconds(1));
        Assert.True(Begin("did:plc:a").TryStart(Batch(Message(a2))[a2], NoDeadline));
    }

    [Fact]
    public void While_the_loop_waits_for_the_probe_without_receiving_nothing_it_remembers_runs_out()
    {
        var a1 = Queued("did:plc:a", 1);
        var a2 = Queued("did:plc:a", 2);
        var first = Batch(Message(a1));
        var turn = Begin("did:plc:a");
        turn.TryStart(first[a1], NoDeadline);
        turn.Finish(first[a1], Failed());

        // The circuit opened at once and the loop waited 10 minutes for probes, receiving nothing; then it drained
        // the queue up to what it had.
        var pausedFrom = _clock.GetUtcNow();
        _clock.Advance(TimeSpan.FromMinutes(10));
        _scheduler.Paused(pausedFrom, _clock.GetUtcNow());
        _scheduler.Prune();
        Assert.Equal(1, _scheduler.PendingDids);
        Assert.False(Begin("did:plc:a").TryStart(Batch(Message(a2))[a2], NoDeadline));

        // As if the pause had not been: the grace runs on from where it stood.
        _clock.Advance(TimeSpan.FromSeconds(1) + _scheduler.PendingGrace);
        _scheduler.Drained(_clock.GetUtcNow());
        Assert.True(Begin("did:plc:a").TryStart(Batch(Message(a2))[a2], NoDeadline));
    }

    [Fact]
    public void An_earlier_queued_event_is_not_held_by_a_later_one_that_failed()
    {
        var a1 = Queued("did:plc:a", 1);
        var a2 = Queued("did:plc:a", 2);

        // a2 was received first (a1 invisible meanwhile, e.g. in another consumer's hands) and failed.
        var first = Batch(Message(a2));
        var turn = Begin("did:plc:a");
        turn.TryStart(first[a2], NoDeadline);
        turn.Finish(first[a2], Failed());

        var second = Batch(Message(a1));
        Assert.True(Begin("did:plc:a").TryStart(second[a1], NoDeadline));
    }

    [Fact]
    public void A_copy_of_an_event_delivered_moments_ago_is_not_attempted_and_holds_nothing_back()
    {
        var a1 = Queued("did:plc:a", 1);
        var a2 = Queued("did:plc:a", 2);
        var first = Batch(Message(a1));
        var turn = Begin("did:plc:a");
        Assert.True(turn.TryStart(first[a1], NoDeadline));
        turn.Finish(first[a1], Delivered());

        // The same event again in the next receive, in another message, ahead of the DID's next event.
        var second = Batch(Message(a1, a2));
        var again = Begin("did:plc:a");
        Assert.False(again.TryStart(second[a1], NoDeadline));
        Assert.False(again.IsHeld);
        Assert.True(again.TryStart(second[a2], NoDeadline));

        Assert.Equal(EventOutcome.Copy, Of(second[a1]).Kind);
        Assert.Equal(0, Of(second[a1]).Updated.Attempts);
    }

    [Fact]
    public void A_failed_event_is_not_taken_for_a_copy()
    {
        var a1 = Queued("did:plc:a", 1);
        var first = Batch(Message(a1));
        var turn = Begin("did:plc:a");
        turn.TryStart(first[a1], NoDeadline);
        turn.Finish(first[a1], Failed());

        _clock.Advance(TimeSpan.FromSeconds(1));
        var retry = Batch(Message(Of(first[a1]).Updated));

        Assert.True(Begin("did:plc:a").TryStart(retry[a1], NoDeadline));
    }

    [Fact]
    public void Once_the_circuit_opens_an_endpoint_failure_and_the_events_behind_it_are_due_at_the_probe_not_on_their_own_wait()
    {
        // a1 failed the endpoint's way while the circuit was still closed: it waits as long as it has been failing
        // (10 s here). b1 failed the event's way (500): its own schedule stands.
        var a1 = Queued("did:plc:a", 1) with { FirstAttemptAt = _clock.GetUtcNow() - TimeSpan.FromSeconds(10) };
        var a2 = Queued("did:plc:a", 2);
        var b1 = Queued("did:plc:b", 1);
        var batch = Batch(Message(a1, a2, b1));
        var a = Begin("did:plc:a");
        a.TryStart(batch[a1], NoDeadline);
        a.Finish(batch[a1], DeliveryResult.Failure(503, "HTTP 503", endpoint: true));
        a.TryStart(batch[a2], NoDeadline);
        var b = Begin("did:plc:b");
        b.TryStart(batch[b1], NoDeadline);
        b.Finish(batch[b1], Failed());
        var ownWait = Of(batch[a1]).DueAt;
        var b1Due = Of(batch[b1]).DueAt;

        // Then the circuit opened, its probe due in a second: the endpoint decides when a1 goes, and a2 behind it.
        var probeAt = _clock.GetUtcNow() + TimeSpan.FromSeconds(1);
        Assert.True(ownWait > probeAt);
        var waiting = _scheduler.WaitForProbe(new DeliveredBatch(batch.Messages, _outcomes.ToFrozenDictionary()), probeAt);

        Assert.Equal((probeAt, probeAt), (waiting.OutcomeOf(batch[a1]).DueAt, waiting.OutcomeOf(batch[a1]).Updated.NotBefore));
        Assert.Equal(probeAt, waiting.OutcomeOf(batch[a2]).DueAt);
        Assert.Equal(b1Due, waiting.OutcomeOf(batch[b1]).DueAt);

        // A later event of the DID that comes meanwhile waits for the probe too, not for a1's own wait.
        var a3 = Queued("did:plc:a", 3);
        var next = Batch(Message(a3));
        Assert.False(Begin("did:plc:a").TryStart(next[a3], NoDeadline));
        Assert.Equal(probeAt, Of(next[a3]).DueAt);
    }

    [Fact]
    public void The_open_circuit_holds_an_event_with_no_attempt_spent_and_its_DIDs_later_events_until_the_probe_in_this_batch_and_the_next()
    {
        var a1 = Queued("did:plc:a", 1);
        var a2 = Queued("did:plc:a", 2);
        var batch = Batch(Message(a1, a2));
        var probeAt = _clock.GetUtcNow() + TimeSpan.FromSeconds(2);

        var turn = Begin("did:plc:a");
        Assert.True(turn.TryStart(batch[a1], NoDeadline));
        var held = turn.HoldForCircuit(batch[a1], probeAt, "HTTP 503");
        Assert.False(turn.TryStart(batch[a2], NoDeadline));

        Assert.Equal((EventOutcome.Held, probeAt, true, 0, _clock.GetUtcNow()), (held.Kind, held.DueAt, held.WaitsForEndpoint, held.Updated.Attempts, held.Updated.FirstAttemptAt));
        Assert.Equal((EventOutcome.Held, probeAt, true), (Of(batch[a2]).Kind, Of(batch[a2]).DueAt, Of(batch[a2]).WaitsForEndpoint));

        // The next receive brings a3 before the probe: it waits for the probe too, unattempted.
        _scheduler.Prune();
        _clock.Advance(TimeSpan.FromSeconds(1));
        var a3 = Queued("did:plc:a", 3);
        var next = Batch(Message(a3));
        Assert.False(Begin("did:plc:a").TryStart(next[a3], NoDeadline));
        Assert.Equal(probeAt, Of(next[a3]).DueAt);

        // At the probe the three come back and go in order; delivered, the DID's memory is gone.
        _clock.Advance(TimeSpan.FromSeconds(1));
        var again = Batch(Message(held.Updated, Of(batch[a2]).Updated), Message(Of(next[a3]).Updated));
        var probe = Begin("did:plc:a");
        foreach (var queued in new[] { a1, a2, a3 })
        {
            Assert.True(probe.TryStart(again[queued], NoDeadline));
            Assert.Equal(EventOutcome.Delivered, probe.Finish(again[queued], Delivered()).Kind);
        }

        _scheduler.Prune();
        Assert.Equal(0, _scheduler.PendingDids);
    }

    [Fact]
    public void Held_by_the_circuit_past_the_outage_limit_an_event_is_dead_lettered_and_its_DIDs_later_events_go_on()
    {
        var outageLimit = new WebhookOptions { RetrySchedule = [.. WebhookOptions.DefaultRetrySchedule] }.OutageLimit;
        var a1 = Queued("did:plc:a", 1) with { FirstAttemptAt = _clock.GetUtcNow() - outageLimit };
        var a2 = Queued("did:plc:a", 2);
        var batch = Batch(Message(a1, a2));

        var turn = Begin("did:plc:a");
        Assert.True(turn.TryStart(batch[a1], NoDeadline));
        var dead = turn.HoldForCircuit(batch[a1], _clock.GetUtcNow() + TimeSpan.FromSeconds(2), "HTTP 503");

        Assert.Equal((EventOutcome.DeadLetter, 0), (dead.Kind, dead.Updated.Attempts));
        Assert.Contains("HTTP 503", dead.Updated.LastError);
        Assert.False(turn.IsHeld);
        Assert.True(turn.TryStart(batch[a2], NoDeadline));
        _scheduler.Prune();
        Assert.Equal(0, _scheduler.PendingDids);
    }

    [Fact]
    public void An_event_held_until_its_batch_is_whole_holds_the_DIDs_later_events_until_then_in_this_batch_and_the_next()
    {
        var a1 = Queued("did:plc:a", 1);
        var a2 = Queued("did:plc:a", 2);
        var batch = Batch(Message(a1, a2));
        var until = _clock.GetUtcNow() + TimeSpan.FromSeconds(1);

        var turn = Begin("did:plc:a");
        Assert.Equal((EventOutcome.Held, until, false), (turn.Hold(batch[a1], until).Kind, Of(batch[a1]).DueAt, Of(batch[a1]).WaitsForEndpoint));
        Assert.False(turn.TryStart(batch[a2], NoDeadline));
        Assert.Equal(until, Of(batch[a2]).DueAt);

        var a3 = Queued("did:plc:a", 3);
        var next = Batch(Message(a3));
        Assert.False(Begin("did:plc:a").TryStart(next[a3], NoDeadline));
        Assert.Equal(until, Of(next[a3]).DueAt);
    }

    [Fact]
    public void An_event_returned_with_its_failed_batch_no_longer_holds_the_DIDs_later_events()
    {
        var a1 = Queued("did:plc:a", 1);
        var first = Batch(Message(a1));
        var turn = Begin("did:plc:a");
        Assert.True(turn.TryStart(first[a1], NoDeadline));
        turn.Finish(first[a1], Failed());

        // Its batch goes again whole, with the DID's later events in it, so a1 is no reason to hold them.
        turn.Returned(first[a1]);

        var a2 = Queued("did:plc:a", 2);
        Assert.True(Begin("did:plc:a").TryStart(Batch(Message(a2))[a2], NoDeadline));
        _scheduler.Prune();
        Assert.Equal(0, _scheduler.PendingDids);
    }

    [Fact]
    public void A_second_copy_in_one_receive_is_a_copy_but_a_replay_with_a_later_stamp_is_delivered_again()
    {
        var a1 = Queued("did:plc:a", 1);
        var replay = a1 with { QueuedAt = a1.QueuedAt + TimeSpan.FromMinutes(1) };
        var batch = new TestBatch([Message(a1), Message(a1)]);
        var first = batch.Messages[0].Events[0];
        var copy = batch.Messages[1].Events[0];

        var turn = Begin("did:plc:a");
        Assert.True(turn.TryStart(first, NoDeadline));
        Assert.False(turn.TryStart(copy, NoDeadline));
        Assert.Equal(EventOutcome.Copy, Of(copy).Kind);
        Assert.False(turn.IsHeld);
        turn.Finish(first, Delivered());

        // Delivered moments ago: the same stamp again is a copy, a later one (a replay the user asked for) is sent.
        var again = Batch(Message(a1));
        Assert.False(Begin("did:plc:a").TryStart(again[a1], NoDeadline));
        Assert.Equal(EventOutcome.Copy, Of(again[a1]).Kind);
        var replayed = Batch(Message(replay));
        Assert.True(Begin("did:plc:a").TryStart(replayed[replay], NoDeadline));
    }

    private DidTurn Begin(string did) => _scheduler.Begin(did, _outcomes);

    /// <summary>The last outcome any turn of the test decided for <paramref name="inFlight"/>.</summary>
    private DeliveryOutcome Of(InFlightEvent inFlight) => _outcomes.TryGetValue(inFlight, out var outcome) ? outcome : DeliveryOutcome.Untouched(inFlight.Queued);

    private static DeliveryResult Failed() => DeliveryResult.Failure(500, "HTTP 500");

    private static DeliveryResult Delivered() => DeliveryResult.Success(200);

    private QueuedEvent Queued(string did, int seq) =>
        TestEvents.Commit(did, seq) with { QueuedAt = _clock.GetUtcNow() + TimeSpan.FromMilliseconds(Interlocked.Increment(ref _sequence)) };

    private static ReceivedMessage Message(params QueuedEvent[] events) =>
        new(QueuesModelFactory.QueueMessage(Guid.NewGuid().ToString(), "receipt", new BinaryData([]), 1), events);

    private static TestBatch Batch(params ReceivedMessage[] messages) => new(messages);

    /// <summary>A batch's messages, with each of its events found by the queued event it came from.</summary>
    private sealed class TestBatch(ReceivedMessage[] messages)
    {
        public IReadOnlyList<ReceivedMessage> Messages => messages;

        public InFlightEvent this[QueuedEvent queued] => messages.SelectMany(m => m.Events).Single(e => e.Queued.EventId == queued.EventId);
    }
}
