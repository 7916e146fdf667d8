using Jetstream.Storage;

namespace Jetstream.WebhookConsumer.Schedule;

/// <summary>
/// The events of one DID that this consumer has seen but not yet delivered: failed and awaiting their retry, or held
/// back behind such an event. A later-queued event of the DID is not attempted while one of these is outstanding, so
/// within one consumer a DID's events are delivered in queue order across retries. Entries run out as
/// <see cref="PendingLifetime"/> says, in case the event went to another consumer. Only the <see cref="DidScheduler"/>
/// holds and writes an instance: during a batch for the DID's one <see cref="DidTurn"/> (a DID is in one turn at a
/// time), between batches for itself (batches are delivered one after another), so it needs no lock.
/// </summary>
internal sealed class PendingEvents(PendingLifetime lifetime)
{
    private readonly Dictionary<string, (DateTimeOffset QueuedAt, DateTimeOffset Due, DateTimeOffset Until)> _events = new(StringComparer.Ordinal);

    /// <summary>The earliest due time of an outstanding event queued before <paramref name="queuedEvent"/>, if any.</summary>
    /// <param name="started">Events of the DID already started in this batch, which go ahead of it: they hold nothing back.</param>
    public DateTimeOffset? EarlierDue(QueuedEvent queuedEvent, DateTimeOffset now, IReadOnlySet<string> started)
    {
        DateTimeOffset? due = null;
        foreach (var (eventId, pending) in _events)
        {
            if (pending.QueuedAt < queuedEvent.QueuedAt && eventId != queuedEvent.EventId && !started.Contains(eventId) && (due is null || pending.Due < due)
                && lifetime.IsLive(pending.Due, pending.Until, now))
            {
                due = pending.Due;
            }
        }

        return due;
    }

    public void Set(QueuedEvent queuedEvent, DateTimeOffset due) => _events[queuedEvent.EventId] = (queuedEvent.QueuedAt, due, due + lifetime.Grace);

    public void Remove(string eventId) => _events.Remove(eventId);

    /// <summary>
    /// The loop did not receive from <paramref name="from"/> for <paramref name="length"/> (it waited for the
    /// endpoint's probe): no message could come back meanwhile, so the entries live that much longer.
    /// </summary>
    public void Extend(DateTimeOffset from, TimeSpan length)
    {
        foreach (var (eventId, pending) in _events)
        {
            if (lifetime.IsLive(pending.Due, pending.Until, from))
            {
                _events[eventId] = pending with { Until = pending.Until + length };
            }
        }
    }

    /// <summary>Drops run-out entries; true when nothing is left.</summary>
    public bool Prune(DateTimeOffset now)
    {
        foreach (var (eventId, pending) in _events)
        {
            if (!lifetime.IsLive(pending.Due, pending.Until, now))
            {
                _events.Remove(eventId);
            }
        }

        return _events.Count == 0;
    }
}
