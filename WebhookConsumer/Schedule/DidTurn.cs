using Jetstream.EventQueue;
using Jetstream.WebhookConsumer.Deliver;
using Jetstream.WebhookConsumer.Receive;
using Jetstream.WebhookConsumer.Settle;

namespace Jetstream.WebhookConsumer.Schedule;

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
    private bool _heldForEndpoint;

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
        if (_scheduler.Delivered.Contains(inFlight.Queued))
        {
            // Delivered already, so it holds nothing back: whatever came after it in its DID may go on.
            inFlight.Outcome = EventOutcome.Copy;
            _pending?.Remove(inFlight.Queued.EventId);
            return false;
        }

        var now = _scheduler.TimeProvider.GetUtcNow();
        _heldUntil ??= HoldReason(inFlight, deadline, now);
        if (_heldUntil is not { } until)
        {
            return true;
        }

        inFlight.Outcome = EventOutcome.Held;
        inFlight.DueAt = until;
        inFlight.WaitsForEndpoint = _heldForEndpoint;
        Remember(inFlight, until);
        return false;
    }

    /// <summary>
    /// True when <see cref="TryStart"/> would start <paramref name="inFlight"/> now (not a copy, nothing earlier of its
    /// DID outstanding, due, the batch not past its deadline), so it is worth asking the endpoint's circuit.
    /// </summary>
    public bool WouldStart(InFlightEvent inFlight, DateTimeOffset deadline) =>
        _heldUntil is null
        && !_scheduler.Delivered.Contains(inFlight.Queued)
        && HoldReason(inFlight, deadline, _scheduler.TimeProvider.GetUtcNow()) is null;

    /// <summary>
    /// Holds an event the open circuit keeps from being sent until <paramref name="openUntil"/> (its next probe), with no
    /// attempt spent, and the DID's later events with it; dead-letters it instead once its endpoint has failed longer
    /// than the outage limit (<see cref="RetryPolicy.HeldByCircuit"/>).
    /// </summary>
    public EventOutcome HoldForCircuit(InFlightEvent inFlight, DateTimeOffset openUntil, string? circuitError)
    {
        inFlight.Updated = _scheduler.RetryPolicy.HeldByCircuit(inFlight.Queued, _scheduler.TimeProvider.GetUtcNow(), circuitError, out var deadLetter);
        if (deadLetter)
        {
            inFlight.Outcome = EventOutcome.DeadLetter;
            _pending?.Remove(inFlight.Queued.EventId);
            return inFlight.Outcome;
        }

        inFlight.Outcome = EventOutcome.Held;
        inFlight.DueAt = openUntil;
        inFlight.WaitsForEndpoint = true;
        _heldUntil = openUntil;
        _heldForEndpoint = true;
        Remember(inFlight, openUntil);
        return inFlight.Outcome;
    }

    /// <summary>Records the attempt of a started event: delivered, retried at its next due time, or dead-lettered.</summary>
    /// <param name="circuitOpenUntil">The endpoint circuit's next probe if it is open now: an endpoint failure waits for it.</param>
    public EventOutcome Finish(InFlightEvent inFlight, DeliveryResult result, DateTimeOffset? circuitOpenUntil = null)
    {
        if (result.Delivered)
        {
            inFlight.Outcome = EventOutcome.Delivered;
            _pending?.Remove(inFlight.Queued.EventId);
            _scheduler.Delivered.Add(inFlight.Queued);
            return inFlight.Outcome;
        }

        var updated = _scheduler.RetryPolicy.AfterFailure(inFlight.Queued, result, _scheduler.TimeProvider.GetUtcNow(), out var deadLetter, circuitOpenUntil);
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
        inFlight.WaitsForEndpoint = result.Endpoint;
        _heldUntil = due;
        _heldForEndpoint = result.Endpoint;
        Remember(inFlight, due);
        return inFlight.Outcome;
    }

    /// <summary>Until when <paramref name="inFlight"/> must wait for its DID's order, its own schedule or the next batch; null when it may go.</summary>
    private DateTimeOffset? HoldReason(InFlightEvent inFlight, DateTimeOffset deadline, DateTimeOffset now)
    {
        if (_pending?.EarlierDue(inFlight.Queued, now) is { } earlierDue)
        {
            // Come back with the earlier event; if that is overdue but not here yet, look again shortly.
            return earlierDue > now ? earlierDue : now + OverdueRecheck;
        }

        if (inFlight.Queued.NotBefore is { } notBefore && notBefore > now)
        {
            return notBefore;
        }

        return now > deadline ? now : null;
    }

    /// <summary>
    /// An event that came back with the rest of its failed batch: it no longer holds back the batch's other events of
    /// its DID (they go with it, in order, in the same request).
    /// </summary>
    public void Returned(InFlightEvent inFlight) => _pending?.Remove(inFlight.Queued.EventId);

    /// <summary>A started event went out in a batch that was acknowledged.</summary>
    public void Delivered(InFlightEvent inFlight)
    {
        inFlight.Outcome = EventOutcome.Delivered;
        _pending?.Remove(inFlight.Queued.EventId);
        _scheduler.Delivered.Add(inFlight.Queued);
    }

    /// <summary>A started event's batch failed: it waits, as <paramref name="updated"/>, until its batch is due again, and the DID's later events with it.</summary>
    /// <param name="forEndpoint">The failure was the endpoint's (<see cref="DeliveryResult.Endpoint"/>).</param>
    public void Retry(InFlightEvent inFlight, QueuedEvent updated, bool forEndpoint)
    {
        var due = updated.NotBefore ?? _scheduler.TimeProvider.GetUtcNow();
        inFlight.Updated = updated;
        inFlight.Outcome = EventOutcome.Retry;
        inFlight.DueAt = due;
        inFlight.WaitsForEndpoint = forEndpoint;
        _heldUntil = due;
        _heldForEndpoint = forEndpoint;
        Remember(inFlight, due);
    }

    /// <summary>A started event's retries are over: it goes to the dead-letter queue as <paramref name="updated"/>, and the DID's later events go on.</summary>
    public void DeadLettered(InFlightEvent inFlight, QueuedEvent updated)
    {
        inFlight.Updated = updated;
        inFlight.Outcome = EventOutcome.DeadLetter;
        _pending?.Remove(inFlight.Queued.EventId);
    }

    /// <summary>Holds an event that may not go yet (its batch's other events are not all here) until <paramref name="until"/>, and the DID's later events with it.</summary>
    public void Hold(InFlightEvent inFlight, DateTimeOffset until)
    {
        _heldUntil ??= until;
        inFlight.Outcome = EventOutcome.Held;
        inFlight.DueAt = _heldUntil.Value;
        inFlight.WaitsForEndpoint = _heldForEndpoint;
        Remember(inFlight, _heldUntil.Value);
    }

    private void Remember(InFlightEvent inFlight, DateTimeOffset due)
    {
        _pending ??= _scheduler.PendingFor(_did);
        _pending.Set(inFlight.Queued, due);
    }
}
