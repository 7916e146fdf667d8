namespace Jetstream.WebhookConsumer;

/// <summary>
/// One DID's events of one batch, decided one after another in queue order: <see cref="TryStart"/> says whether the
/// next event is attempted now or held (and until when), <see cref="Finish"/> records what its attempt came to. Once
/// an event is held or fails, every later event of the DID in the batch is held until then.
/// </summary>
internal sealed class DidTurn
{
    // Held back behind a pending event that is overdue but has not come back yet: look again this much later.
    private static readonly TimeSpan OverdueRecheck = TimeSpan.FromSeconds(1);

    private readonly DidScheduler _scheduler;
    private readonly string _did;
    private PendingEvents? _pending;
    private DateTimeOffset? _heldUntil;

    internal DidTurn(DidScheduler scheduler, string did, PendingEvents? pending)
    {
        _scheduler = scheduler;
        _did = did;
        _pending = pending;
    }

    /// <summary>True once an event of this turn is held or failed: the rest are held too, without taking a slot.</summary>
    public bool IsHeld => _heldUntil is not null;

    /// <summary>
    /// True: attempt <paramref name="inFlight"/> now. False: it is a copy of an event delivered moments ago (outcome
    /// <see cref="EventOutcome.Copy"/>), or it is held (outcome <see cref="EventOutcome.Held"/>, due at
    /// <see cref="InFlightEvent.DueAt"/>) because an earlier event of its DID is outstanding, its own <c>NotBefore</c>
    /// has not come, or the batch is past <paramref name="deadline"/>.
    /// </summary>
    public bool TryStart(InFlightEvent inFlight, DateTimeOffset deadline)
    {
        if (_scheduler.Delivered.Contains(inFlight.Queued.EventId))
        {
            // Delivered already, so it holds nothing back: whatever came after it in its DID may go on.
            inFlight.Outcome = EventOutcome.Copy;
            _pending?.Remove(inFlight.Queued.EventId);
            return false;
        }

        var now = _scheduler.TimeProvider.GetUtcNow();
        if (_heldUntil is null)
        {
            if (_pending?.EarlierDue(inFlight.Queued, now) is { } earlierDue)
            {
                // Come back with the earlier event; if that is overdue but not here yet, look again shortly.
                _heldUntil = earlierDue > now ? earlierDue : now + OverdueRecheck;
            }
            else if (inFlight.Queued.NotBefore is { } notBefore && notBefore > now)
            {
                _heldUntil = notBefore;
            }
            else if (now > deadline)
            {
                _heldUntil = now;
            }
        }

        if (_heldUntil is not { } until)
        {
            return true;
        }

        inFlight.Outcome = EventOutcome.Held;
        inFlight.DueAt = until;
        Remember(inFlight, until);
        return false;
    }

    /// <summary>Records the attempt of a started event: delivered, retried at its next due time, or dead-lettered.</summary>
    public EventOutcome Finish(InFlightEvent inFlight, DeliveryResult result)
    {
        if (result.Delivered)
        {
            inFlight.Outcome = EventOutcome.Delivered;
            _pending?.Remove(inFlight.Queued.EventId);
            _scheduler.Delivered.Add(inFlight.Queued.EventId);
            return inFlight.Outcome;
        }

        var updated = _scheduler.RetryPolicy.AfterFailure(inFlight.Queued, result, _scheduler.TimeProvider.GetUtcNow(), out var deadLetter);
        inFlight.Updated = updated;
        if (deadLetter)
        {
            // Dead-lettering ends the event's turn; the DID's later events go on.
            inFlight.Outcome = EventOutcome.DeadLetter;
            _pending?.Remove(inFlight.Queued.EventId);
            return inFlight.Outcome;
        }

        var due = updated.NotBefore!.Value;
        inFlight.Outcome = EventOutcome.Retry;
        inFlight.DueAt = due;
        _heldUntil = due;
        Remember(inFlight, due);
        return inFlight.Outcome;
    }

    private void Remember(InFlightEvent inFlight, DateTimeOffset due)
    {
        _pending ??= _scheduler.PendingFor(_did);
        _pending.Set(inFlight.Queued, due, due + _scheduler.PendingGrace);
    }
}
