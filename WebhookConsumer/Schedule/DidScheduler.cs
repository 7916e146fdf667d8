using System.Collections.Concurrent;
using Jetstream.Storage;
using Jetstream.WebhookConsumer.Receive;
using Jetstream.WebhookConsumer.Settle;

namespace Jetstream.WebhookConsumer.Schedule;

/// <summary>
/// Per-DID order for one subscription: a DID's events go one after another in queue order, and while one of them is
/// failed (awaiting its retry) or held back, the DID's later events wait unattempted, in this batch and the batches
/// after it. It remembers, per DID, the events seen but not yet delivered (<see cref="PendingEvents"/>), and the events
/// delivered last (<see cref="RecentDeliveries"/>), so a copy of one of those is not sent again; one instance
/// per subscription, kept across batches and webhook changes. A batch's DIDs are scheduled in parallel, each through
/// its own <see cref="DidTurn"/>, which decides and asks this scheduler to remember or forget (<see cref="Remember"/>,
/// <see cref="Forget"/>): the scheduler is the one writer of the per-DID memory, as the turns are of the outcomes.
/// </summary>
internal sealed class DidScheduler
{
    private readonly ConcurrentDictionary<string, PendingEvents> _pending = new(StringComparer.Ordinal);

    /// <param name="maxPollInterval">
    /// A remembered entry outlives its due time by a grace that covers the whole-second visibility rounding and two
    /// poll intervals, and then until the loop has seen its queue to the end (<see cref="PendingLifetime"/>), in case
    /// the event went to another consumer.
    /// </param>
    /// <param name="visibilityTimeout">The longest that wait for the queue lasts beyond the grace.</param>
    public DidScheduler(RetryPolicy retryPolicy, TimeProvider timeProvider, TimeSpan maxPollInterval, TimeSpan visibilityTimeout)
    {
        RetryPolicy = retryPolicy;
        TimeProvider = timeProvider;
        Lifetime = new PendingLifetime(TimeSpan.FromSeconds(1) + (2 * maxPollInterval), visibilityTimeout);
    }

    internal RetryPolicy RetryPolicy { get; }

    internal TimeProvider TimeProvider { get; }

    internal TimeSpan PendingGrace => Lifetime.Grace;

    internal PendingLifetime Lifetime { get; }

    /// <summary>The events this subscription delivered last, to recognise a copy that comes moments later.</summary>
    internal RecentDeliveries Delivered { get; } = new();

    /// <summary>
    /// Each DID's events in queue order: by <c>queuedAt</c> (the producer stamps events in the order it queues them),
    /// then in receive order, since messages that were updated for a retry may come back in any order.
    /// </summary>
    public static IReadOnlyList<IReadOnlyList<InFlightEvent>> ByDid(IReadOnlyList<ReceivedMessage> messages)
    {
        var byDid = new Dictionary<string, List<InFlightEvent>>(StringComparer.Ordinal);
        foreach (var message in messages)
        {
            foreach (var inFlight in message.Events)
            {
                if (!byDid.TryGetValue(inFlight.Did, out var list))
                {
                    byDid[inFlight.Did] = list = [];
                }

                list.Add(inFlight);
            }
        }

        var groups = new List<IReadOnlyList<InFlightEvent>>(byDid.Count);
        foreach (var list in byDid.Values)
        {
            // OrderBy is stable, so equal stamps keep receive order.
            groups.Add(IsInQueueOrder(list) ? list : [.. list.OrderBy(e => e.Queued.QueuedAt)]);
        }

        return groups;
    }

    /// <summary>Starts scheduling one DID's events of a batch; only one turn per DID at a time.</summary>
    /// <param name="outcomes">Where the turn records what it decides: its shard's outcomes (a new set when not given).</param>
    public DidTurn Begin(string did, Dictionary<InFlightEvent, DeliveryOutcome>? outcomes = null) => new(this, did, outcomes ?? []);

    /// <summary>Forgets run-out entries and DIDs with nothing outstanding, so the map only holds DIDs with a pending retry.</summary>
    public void Prune()
    {
        var now = TimeProvider.GetUtcNow();
        foreach (var (did, pending) in _pending)
        {
            if (pending.Prune(now))
            {
                _pending.TryRemove(new KeyValuePair<string, PendingEvents>(did, pending));
            }
        }
    }

    /// <summary>
    /// The endpoint's circuit is open until <paramref name="probeAt"/>: every event of <paramref name="batch"/> that
    /// waits for the endpoint (<see cref="DeliveryOutcome.WaitsForEndpoint"/>), on a wait of its own that ends later, is
    /// due at the probe instead, and remembered so: the probe decides when the endpoint takes requests again, and an
    /// event still waiting out its own wait then would hold its DID back behind an endpoint that works.
    /// </summary>
    /// <returns>The batch with those events' outcomes decided again.</returns>
    public DeliveredBatch WaitForProbe(DeliveredBatch batch, DateTimeOffset probeAt)
    {
        var changed = new List<KeyValuePair<InFlightEvent, DeliveryOutcome>>();
        foreach (var inFlight in batch.Messages.SelectMany(m => m.Events))
        {
            var outcome = batch.OutcomeOf(inFlight);
            if (outcome is { WaitsForEndpoint: true, Remains: true } && outcome.DueAt > probeAt)
            {
                var updated = outcome.Updated.NotBefore > probeAt ? outcome.Updated with { NotBefore = probeAt } : outcome.Updated;
                changed.Add(new(inFlight, outcome with { Updated = updated, DueAt = probeAt }));
                Remember(inFlight.Did, updated, probeAt);
            }
        }

        return changed.Count == 0 ? batch : batch.With(changed);
    }

    /// <summary>DIDs with an event remembered as outstanding.</summary>
    internal int PendingDids => _pending.Count;

    /// <summary>The earliest due time of an event of <paramref name="did"/> outstanding from before <paramref name="queuedEvent"/>, if any.</summary>
    /// <param name="started">Events of the DID already started in this batch: they hold nothing back.</param>
    internal DateTimeOffset? EarlierDue(string did, QueuedEvent queuedEvent, DateTimeOffset now, IReadOnlySet<string> started) =>
        _pending.TryGetValue(did, out var pending) ? pending.EarlierDue(queuedEvent, now, started) : null;

    /// <summary>An event of <paramref name="did"/> failed or is held: it holds the DID's later events until <paramref name="due"/>.</summary>
    internal void Remember(string did, QueuedEvent queuedEvent, DateTimeOffset due) =>
        _pending.GetOrAdd(did, static (_, lifetime) => new PendingEvents(lifetime), Lifetime).Set(queuedEvent, due);

    /// <summary>An event of <paramref name="did"/> was delivered, dead-lettered or returned with its batch: it holds nothing back.</summary>
    internal void Forget(string did, string eventId)
    {
        if (_pending.TryGetValue(did, out var pending))
        {
            pending.Remove(eventId);
        }
    }

    /// <summary>A receive issued at <paramref name="receivedAt"/> brought every visible message (fewer than it asked for).</summary>
    public void Drained(DateTimeOffset receivedAt) => Lifetime.Drained(receivedAt);

    /// <summary>The loop received nothing from <paramref name="from"/> to <paramref name="to"/>: what it remembers lives that much longer.</summary>
    public void Paused(DateTimeOffset from, DateTimeOffset to)
    {
        foreach (var pending in _pending.Values)
        {
            pending.Extend(from, to - from);
        }
    }

    private static bool IsInQueueOrder(List<InFlightEvent> events)
    {
        for (var i = 1; i < events.Count; i++)
        {
            if (events[i].Queued.QueuedAt < events[i - 1].Queued.QueuedAt)
            {
                return false;
            }
        }

        return true;
    }
}
