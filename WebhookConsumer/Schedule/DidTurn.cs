using Jetstream.Storage;
using Jetstream.WebhookConsumer.Deliver;
using Jetstream.WebhookConsumer.Receive;
using Jetstream.WebhookConsumer.Settle;

namespace Jetstream.WebhookConsumer.Schedule;

/// <summary>
/// One DID's events of one batch, decided one after another in queue order: <see cref="TryStart"/> says whether the
/// next event is attempted now or held (and until when), <see cref="Finish"/> records what its attempt came to. Once
/// an event is held or fails, every later event of the DID in the batch is held until then. Each decision is returned
/// as an immutable <see cref="DeliveryOutcome"/> and recorded in its shard's outcomes, which only turns write.
/// </summary>
internal sealed class DidTurn
{
    // Held back behind a pending event that is overdue but has not come back yet: look again this much later.
    internal static readonly TimeSpan OverdueRecheck = TimeSpan.FromSeconds(1);

    private readonly DidScheduler _scheduler;
    private readonly string _did;
    private readonly Dictionary<InFlightEvent, DeliveryOutcome> _outcomes;
    private readonly List<InFlightEvent> _started = [];
    private readonly HashSet<string> _startedIds = new(StringComparer.Ordinal);
    private DateTimeOffset? _heldUntil;
    private bool _heldForEndpoint;

    internal DidTurn(DidScheduler scheduler, string did, Dictionary<InFlightEvent, DeliveryOutcome> outcomes)
    {
        _scheduler = scheduler;
        _did = did;
        _outcomes = outcomes;
    }

    /// <summary>True once an event of this turn is held or failed: the rest are held too, without taking a slot.</summary>
    public bool IsHeld => _heldUntil is not null;

    /// <summary>The last outcome decided for <paramref name="inFlight"/> in this batch.</summary>
    public DeliveryOutcome OutcomeOf(InFlightEvent inFlight) =>
        _outcomes.TryGetValue(inFlight, out var outcome) ? outcome : DeliveryOutcome.Untouched(inFlight.Queued);

    /// <summary>The event as it stands: with the attempts an earlier request of this batch recorded (a split half), else as received.</summary>
    public QueuedEvent Current(InFlightEvent inFlight) => OutcomeOf(inFlight).Updated;

    /// <summary>
    /// True: attempt <paramref name="inFlight"/> now. False: it is a copy of an event delivered moments ago or started
    /// in this batch (outcome <see cref="EventOutcome.Copy"/>), or it is held (outcome <see cref="EventOutcome.Held"/>)
    /// because an earlier event of its DID is outstanding, its own <c>NotBefore</c> has not come, or the batch is past
    /// <paramref name="deadline"/>.
    /// </summary>
    public bool TryStart(InFlightEvent inFlight, DateTimeOffset deadline)
    {
        if (_scheduler.Delivered.Contains(inFlight.Queued))
        {
            // Delivered, so it holds nothing back: whatever came after it in its DID may go on.
            Record(inFlight, DeliveryOutcome.Copy(Current(inFlight)));
            _scheduler.Forget(_did, inFlight.Queued.EventId);
            return false;
        }

        if (IsCopyOfStarted(inFlight))
        {
            // Carried by its first copy, whose memory (if it failed and waits) keeps holding the DID: left as it is.
            Record(inFlight, DeliveryOutcome.Copy(Current(inFlight)));
            return false;
        }

        var now = _scheduler.TimeProvider.GetUtcNow();
        _heldUntil ??= HoldReason(inFlight, deadline, now);
        if (_heldUntil is not { } until)
        {
            _started.Add(inFlight);
            _startedIds.Add(inFlight.Queued.EventId);
            return true;
        }

        Record(inFlight, DeliveryOutcome.Held(Current(inFlight), until, _heldForEndpoint));
        Remember(inFlight, until);
        return false;
    }

    /// <summary>
    /// Holds an event the open circuit keeps from being sent until <paramref name="openUntil"/> (its next probe), with no
    /// attempt spent, and the DID's later events with it; dead-letters it instead once its endpoint has failed longer
    /// than the outage limit (<see cref="RetryPolicy.HeldByCircuit"/>).
    /// </summary>
    public DeliveryOutcome HoldForCircuit(InFlightEvent inFlight, DateTimeOffset openUntil, string? circuitError)
    {
        var updated = _scheduler.RetryPolicy.HeldByCircuit(inFlight.Queued, _scheduler.TimeProvider.GetUtcNow(), circuitError, out var deadLetter);
        if (deadLetter)
        {
            _scheduler.Forget(_did, inFlight.Queued.EventId);
            return Record(inFlight, DeliveryOutcome.DeadLetter(updated));
        }

        _heldUntil = openUntil;
        _heldForEndpoint = true;
        Remember(inFlight, openUntil);
        return Record(inFlight, DeliveryOutcome.Held(updated, openUntil, forEndpoint: true));
    }

    /// <summary>Records the attempt of a started event: delivered, retried at its next due time, or dead-lettered.</summary>
    /// <param name="circuitOpenUntil">The endpoint circuit's next probe if it is open now: an endpoint failure waits for it.</param>
    public DeliveryOutcome Finish(InFlightEvent inFlight, DeliveryResult result, DateTimeOffset? circuitOpenUntil = null)
    {
        if (result.Delivered)
        {
            return Delivered(inFlight);
        }

        var updated = _scheduler.RetryPolicy.AfterFailure(inFlight.Queued, result, _scheduler.TimeProvider.GetUtcNow(), out var deadLetter, circuitOpenUntil);
        if (deadLetter)
        {
            // Dead-lettering ends the event's turn; the DID's later events go on.
            return DeadLettered(inFlight, updated);
        }

        return Retry(inFlight, updated, result.Endpoint);
    }

    /// <summary>
    /// An event that came back with the rest of its failed batch: it no longer holds back the batch's other events of
    /// its DID (they go with it, in order, in the same request).
    /// </summary>
    public void Returned(InFlightEvent inFlight) => _scheduler.Forget(_did, inFlight.Queued.EventId);

    /// <summary>A started event went out in a request that was acknowledged.</summary>
    public DeliveryOutcome Delivered(InFlightEvent inFlight)
    {
        _scheduler.Forget(_did, inFlight.Queued.EventId);
        _scheduler.Delivered.Add(inFlight.Queued);
        return Record(inFlight, DeliveryOutcome.Delivered(Current(inFlight)));
    }

    /// <summary>A started event's request failed: it waits, as <paramref name="updated"/>, until it is due again, and the DID's later events with it.</summary>
    /// <param name="forEndpoint">The failure was the endpoint's (<see cref="DeliveryResult.Endpoint"/>).</param>
    public DeliveryOutcome Retry(InFlightEvent inFlight, QueuedEvent updated, bool forEndpoint)
    {
        var due = updated.NotBefore ?? _scheduler.TimeProvider.GetUtcNow();
        _heldUntil = due;
        _heldForEndpoint = forEndpoint;
        Remember(inFlight, due);
        return Record(inFlight, DeliveryOutcome.Retry(updated, due, forEndpoint));
    }

    /// <summary>A started event's retries are over: it goes to the dead-letter queue as <paramref name="updated"/>, and the DID's later events go on.</summary>
    public DeliveryOutcome DeadLettered(InFlightEvent inFlight, QueuedEvent updated)
    {
        _scheduler.Forget(_did, inFlight.Queued.EventId);
        return Record(inFlight, DeliveryOutcome.DeadLetter(updated));
    }

    /// <summary>
    /// A started event whose request failed and goes again in this batch at once (a split half), or that leaves a
    /// retried batch that will not come back whole: it stands as <paramref name="updated"/> until decided again.
    /// </summary>
    public void Restate(InFlightEvent inFlight, QueuedEvent updated) => Record(inFlight, DeliveryOutcome.Untouched(updated));

    /// <summary>Holds an event that may not go yet (its batch's other events are not all here) until <paramref name="until"/>, and the DID's later events with it.</summary>
    public DeliveryOutcome Hold(InFlightEvent inFlight, DateTimeOffset until)
    {
        _heldUntil ??= until;
        Remember(inFlight, _heldUntil.Value);
        return Record(inFlight, DeliveryOutcome.Held(Current(inFlight), _heldUntil.Value, _heldForEndpoint));
    }

    /// <summary>Until when <paramref name="inFlight"/> must wait for its DID's order, its own schedule or the next batch; null when it may go.</summary>
    private DateTimeOffset? HoldReason(InFlightEvent inFlight, DateTimeOffset deadline, DateTimeOffset now)
    {
        // An earlier event started in this batch goes ahead of this one, in the same request or in one answered
        // before this is planned (a failed one holds the turn): remembered from a past hold, it held the DID's next
        // events one per batch (a batched drain after an outage delivered one event per DID per receive).
        if (_scheduler.EarlierDue(_did, inFlight.Queued, now, _startedIds) is { } earlierDue)
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
    /// A second copy of an event this turn already started (a message written twice, both copies in one receive): the
    /// copy check of <see cref="RecentDeliveries"/> only knows what was delivered, so with batches on both copies would
    /// go in one request. The first carries the event (delivered, retried or dead-lettered from its own message), so
    /// this one is removed; a replay (a later stamp) is not a copy.
    /// </summary>
    private bool IsCopyOfStarted(InFlightEvent inFlight)
    {
        foreach (var started in _started)
        {
            if (!ReferenceEquals(started, inFlight)
                && string.Equals(started.Queued.EventId, inFlight.Queued.EventId, StringComparison.Ordinal)
                && inFlight.Queued.QueuedAt <= started.Queued.QueuedAt)
            {
                return true;
            }
        }

        return false;
    }

    private DeliveryOutcome Record(InFlightEvent inFlight, DeliveryOutcome outcome)
    {
        _outcomes[inFlight] = outcome;
        return outcome;
    }

    private void Remember(InFlightEvent inFlight, DateTimeOffset due) => _scheduler.Remember(_did, inFlight.Queued, due);
}
