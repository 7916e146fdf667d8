using Jetstream.Storage;
using Jetstream.WebhookConsumer.Hosting;
using Jetstream.WebhookConsumer.Receive;
using Jetstream.WebhookConsumer.Settle;

namespace Jetstream.WebhookConsumer.Deliver;

/// <summary>
/// One shard of a received batch on the one delivery path, a request at a time: plan (<see cref="ShardPlanner"/>:
/// per-DID turns, copies skipped) → gate (the endpoint circuit asked once per request, before a slot: while it is open
/// every event of the request is held for the next probe, spending no attempt) → slot (the subscription's lane of the
/// shared concurrency) → attempt (<see cref="DeliveryAttempt"/>) → outcome recorded on each event's turn for the
/// settler. A single event is a request of one. A batch that fails is retried as the same batch (its id and places
/// written into its events); a retried batch the receiver refuses again (not the endpoint's failure) is split in halves
/// at once, and the halves again, until the event that fails it is alone.
/// </summary>
internal sealed class DeliveryShard(ShardContext context, WebhookSender sender, IReadOnlyList<InFlightEvent> events, DateTimeOffset deadline)
{
    private readonly ShardPlanner _planner = new(context, sender, events, deadline);
    private readonly AttemptTally _attempts = new();

    // Kept from one request to the next while nobody else wants it (DeliveryLane.MayKeep).
    private DeliverySlot _slot;

    /// <returns>The last outcome decided for each event of the shard that was reached, for the settler.</returns>
    public async Task<IReadOnlyDictionary<InFlightEvent, DeliveryOutcome>> RunAsync(CancellationToken cancellationToken)
    {
        try
        {
            while (_planner.Next() is { } planned)
            {
                await SendAsync(planned, cancellationToken);
            }
        }
        finally
        {
            ReleaseSlot();
            _attempts.Record(context.Metrics, context.SubscriptionId);
        }

        return _planner.Outcomes;
    }

    private void ReleaseSlot()
    {
        _slot.Dispose();
        _slot = default;
    }

    private async Task SendAsync(PlannedRequest planned, CancellationToken cancellationToken)
    {
        var circuit = sender.Circuit;
        while (true)
        {
            // A request held for the endpoint's next probe holds no slot, nor one that waits for the probe's answer:
            // the probe may need the slot (kept slots waiting on it stalled every shard until the batch's deadline).
            var gate = circuit.WaitAsync(deadline, cancellationToken);
            if (!gate.IsCompleted)
            {
                ReleaseSlot();
            }

            if (await gate is { } openUntil)
            {
                ReleaseSlot();
                foreach (var member in planned.Events)
                {
                    _planner.Turn(member).HoldForCircuit(member, openUntil, circuit.Snapshot.LastError);
                }

                return;
            }

            // The webhook's maxRequestsPerSecond, waited for before a slot so the wait holds none (Limits/RequestRateLimit):
            // a slot kept from the shard's last request goes back unless the permit is there at once.
            var permit = sender.RateLimit.WaitAsync(deadline, cancellationToken);
            if (!permit.IsCompleted)
            {
                ReleaseSlot();
            }

            if (!await permit)
            {
                ReleaseSlot();
                foreach (var member in planned.Events)
                {
                    _planner.Turn(member).Hold(member, context.TimeProvider.GetUtcNow());
                }

                return;
            }

            if (!_slot.Held)
            {
                _slot = await context.Lane.AcquireAsync(cancellationToken);
            }

            var request = new WebhookBatch(planned.Events, single: sender.BatchMaxEvents == 1);
            var (result, culprit) = await context.Attempt.RunAsync(sender, request, cancellationToken);
            if (culprit is null && result.Sent)
            {
                // Recorded before the slot is kept or released: a lane that just failed is held to its fair share.
                context.Lane.Record(result.Delivered);
            }

            if (!context.Lane.MayKeep())
            {
                ReleaseSlot();
            }

            if (culprit is null && !result.Sent)
            {
                // The circuit opened, or another request became the probe, since it was asked: ask again.
                continue;
            }

            Record(planned, request, result, culprit, circuit.OpenUntil);
            return;
        }
    }

    private void Record(PlannedRequest planned, WebhookBatch request, DeliveryResult result, InFlightEvent? culprit, DateTimeOffset? circuitOpenUntil)
    {
        var now = context.TimeProvider.GetUtcNow();
        if (culprit is not null)
        {
            // Its body could not be read: it fails alone, the others go on without it.
            Failed(culprit, context.Scheduler.RetryPolicy.AfterFailure(_planner.Turn(culprit).Current(culprit), result, now, out var dead), dead, result);
            var rest = planned.Events.Where(e => e != culprit).ToList();
            if (rest.Count > 0)
            {
                _planner.Push(new PlannedRequest(rest, planned.Retried));
            }

            return;
        }

        _attempts.Add(result);
        if (result.Delivered)
        {
            foreach (var member in planned.Events)
            {
                _planner.Turn(member).Delivered(member);
                context.Metrics.Delivered(context.SubscriptionId, now - member.Queued.QueuedAt);
            }

            return;
        }

        if (request.Single)
        {
            var inFlight = planned.Events[0];
            if (_planner.Turn(inFlight).Finish(inFlight, result, circuitOpenUntil) is { Kind: EventOutcome.Retry } retry)
            {
                ConsumerLog.AttemptFailed(context.Logger, context.SubscriptionId, inFlight.Queued.EventId, retry.Updated.Attempts, result.Error);
                context.Metrics.Retried(context.SubscriptionId);
            }

            return;
        }

        BatchFailed(planned, request, result, circuitOpenUntil, now);
    }

    private void BatchFailed(PlannedRequest planned, WebhookBatch request, DeliveryResult result, DateTimeOffset? circuitOpenUntil, DateTimeOffset now)
    {
        var updated = new QueuedEvent[planned.Events.Count];
        var anyDead = false;
        for (var i = 0; i < updated.Length; i++)
        {
            var member = planned.Events[i];
            updated[i] = context.Scheduler.RetryPolicy.AfterFailure(_planner.Turn(member).Current(member), result, now, out var dead, circuitOpenUntil);
            anyDead |= dead;
        }

        var count = planned.Events.Count;
        if (count > 1 && !result.Endpoint && (planned.Retried || anyDead))
        {
            Split(planned, updated, request.Id, result);
            return;
        }

        ConsumerLog.BatchAttemptFailed(context.Logger, context.SubscriptionId, request.Id, count, updated[0].Attempts, result.Error);
        context.Metrics.Retried(context.SubscriptionId);
        var due = updated.Select(e => e.NotBefore).Max();
        var retrying = new List<(InFlightEvent Event, QueuedEvent Updated)>(count);
        for (var i = 0; i < count; i++)
        {
            if (updated[i].NotBefore is null)
            {
                Failed(planned.Events[i], updated[i], deadLetter: true, result);
            }
            else
            {
                retrying.Add((planned.Events[i], updated[i]));
            }
        }

        // One due time and the batch's id and places in each event: they come back together and go as one again.
        var id = WebhookBatch.IdFor(retrying.Select(r => r.Event.Queued.EventId));
        for (var i = 0; i < retrying.Count; i++)
        {
            var (member, next) = retrying[i];
            _planner.Turn(member).Retry(member, retrying.Count == 1
                ? next with { BatchId = null, BatchIndex = null, BatchSize = null }
                : next with { NotBefore = due, BatchId = id, BatchIndex = i, BatchSize = retrying.Count }, result.Endpoint);
        }
    }

    /// <summary>Records the failure on every event and sends both halves next, first half first, splitting again if they fail.</summary>
    private void Split(PlannedRequest planned, QueuedEvent[] updated, string batchId, DeliveryResult result)
    {
        for (var i = 0; i < updated.Length; i++)
        {
            var member = planned.Events[i];
            _planner.Turn(member).Restate(member, updated[i] with { NotBefore = null, BatchId = null, BatchIndex = null, BatchSize = null });
        }

        var half = planned.Events.Count / 2;
        ConsumerLog.BatchSplit(context.Logger, context.SubscriptionId, batchId, planned.Events.Count, result.Error);
        _planner.Push(new PlannedRequest(planned.Events[half..], Retried: true));
        _planner.Push(new PlannedRequest(planned.Events[..half], Retried: true));
    }

    private void Failed(InFlightEvent inFlight, QueuedEvent updated, bool deadLetter, DeliveryResult result)
    {
        if (deadLetter)
        {
            _planner.Turn(inFlight).DeadLettered(inFlight, updated);
            return;
        }

        ConsumerLog.AttemptFailed(context.Logger, context.SubscriptionId, inFlight.Queued.EventId, updated.Attempts, result.Error);
        _planner.Turn(inFlight).Retry(inFlight, updated with { BatchId = null, BatchIndex = null, BatchSize = null }, result.Endpoint);
    }
}
