using Jetstream.EventQueue;
using Jetstream.EventQueue.Circuits;
using Microsoft.Extensions.Logging;

namespace Jetstream.WebhookConsumer;

/// <summary>
/// Delivers a received batch as batched webhooks (<c>Webhook:BatchMaxEvents</c> above 1). The batch's DIDs are dealt
/// into shards, each DID wholly in one: a shard's requests go one after another, the shards in parallel, so a DID's
/// events keep queue order inside a request and across requests. A request's events are chosen in queue order with
/// the same per-DID rules as single events (<see cref="DidTurn"/>), up to the subscription's event and byte limits.
/// A request that fails is retried as the same batch: each of its events records the batch's id and its place in it
/// (<see cref="QueuedEvent.BatchId"/>), so when they come back they go together again, with the same id and body. A
/// retried batch that the receiver refuses again (not the endpoint's failure) is split in halves at once, and the
/// halves again, until the event that fails it is alone: it follows its own schedule to the dead-letter queue, and its
/// neighbours are delivered.
/// </summary>
internal sealed class BatchedDelivery
{
    private readonly string _subscriptionId;
    private readonly DidScheduler _scheduler;
    private readonly DeliveryAttempt _attempt;
    private readonly DeliveryLane _lane;
    private readonly WebhookConsumerMetrics _metrics;
    private readonly WebhookOptions _options;
    private readonly TimeProvider _timeProvider;
    private readonly ILogger _logger;

    public BatchedDelivery(
        string subscriptionId,
        DidScheduler scheduler,
        DeliveryAttempt attempt,
        DeliveryLane lane,
        WebhookConsumerMetrics metrics,
        WebhookOptions options,
        TimeProvider timeProvider,
        ILogger logger)
    {
        _subscriptionId = subscriptionId;
        _scheduler = scheduler;
        _attempt = attempt;
        _lane = lane;
        _metrics = metrics;
        _options = options;
        _timeProvider = timeProvider;
        _logger = logger;
    }

    public Task DeliverAsync(WebhookSender sender, IReadOnlyList<ReceivedMessage> received, DateTimeOffset deadline, CancellationToken cancellationToken)
    {
        var shards = BatchShards.Deal(DidScheduler.ByDid(received), sender.BatchMaxEvents, _options.MaxConcurrency);
        return Parallel.ForEachAsync(
            shards,
            new ParallelOptions { MaxDegreeOfParallelism = _options.MaxConcurrency, CancellationToken = cancellationToken },
            (events, token) => new ValueTask(new Shard(this, sender, events, deadline).RunAsync(token)));
    }

    /// <summary>A request about to go: its events, and whether it is a retry or a split (a failure then splits it at once).</summary>
    private sealed record Planned(List<InFlightEvent> Events, bool Retried);

    /// <summary>One shard's events in queue order and the requests made of them, one at a time.</summary>
    private sealed class Shard(BatchedDelivery owner, WebhookSender sender, IReadOnlyList<InFlightEvent> events, DateTimeOffset deadline)
    {
        // Nothing larger than a queue message is carried in one; a blob's event counts as that much until read.
        private const int LargeEventEstimate = 64 * 1024;

        private readonly Dictionary<string, DidTurn> _turns = new(StringComparer.Ordinal);
        private readonly HashSet<InFlightEvent> _taken = [];
        private readonly HashSet<string> _forgotten = new(StringComparer.Ordinal);
        private readonly Stack<Planned> _planned = new();
        private int _next;

        public async Task RunAsync(CancellationToken cancellationToken)
        {
            while (Next() is { } planned)
            {
                await SendAsync(planned, cancellationToken);
            }
        }

        private DidTurn Turn(InFlightEvent inFlight)
        {
            if (!_turns.TryGetValue(inFlight.Did, out var turn))
            {
                _turns[inFlight.Did] = turn = owner._scheduler.Begin(inFlight.Did);
            }

            return turn;
        }

        private Planned? Next()
        {
            while (_planned.TryPop(out var split))
            {
                // A split half goes only with what may still go: an earlier half may have left a DID waiting.
                var startable = split.Events.Where(e => Turn(e).TryStart(e, deadline)).ToList();
                if (startable.Count > 0)
                {
                    return split with { Events = startable };
                }
            }

            var members = new List<InFlightEvent>();
            long bytes = 0;
            while (_next < events.Count)
            {
                var inFlight = events[_next];
                if (_taken.Contains(inFlight))
                {
                    _next++;
                    continue;
                }

                if (inFlight.Queued.BatchId is { } batchId && !_forgotten.Contains(batchId))
                {
                    if (members.Count > 0)
                    {
                        // The retried batch goes as a request of its own.
                        break;
                    }

                    if (Retried(batchId) is { } retried)
                    {
                        return retried;
                    }

                    continue;
                }

                _next++;
                if (!Start(inFlight))
                {
                    continue;
                }

                var size = inFlight.Queued.BlobName is null ? inFlight.Queued.EventJson.Length : LargeEventEstimate;
                if (members.Count > 0 && WebhookBatch.BodyLength(members.Count + 1, bytes + size) > sender.BatchMaxBytes)
                {
                    // Started, but for the next request: TryStart has no effect when it lets an event go.
                    _next--;
                    break;
                }

                members.Add(inFlight);
                _taken.Add(inFlight);
                bytes += size;
                if (members.Count >= sender.BatchMaxEvents)
                {
                    break;
                }
            }

            return members.Count > 0 ? new Planned(members, Retried: false) : null;
        }

        /// <summary>Whether the event may go now; if not, it is held or was a copy (and is taken either way).</summary>
        private bool Start(InFlightEvent inFlight)
        {
            if (Turn(inFlight).TryStart(inFlight, deadline))
            {
                return true;
            }

            _taken.Add(inFlight);
            if (inFlight.Outcome == EventOutcome.Copy)
            {
                owner.CopySkipped(inFlight);
            }

            return false;
        }

        /// <summary>
        /// The request of a batch that failed before, if all of its events are here and may go; otherwise its events
        /// wait (briefly, for the rest to come) or, once the rest has not come for the grace, go as ordinary events.
        /// </summary>
        private Planned? Retried(string batchId)
        {
            var members = events.Where(e => e.Queued.BatchId == batchId && !_taken.Contains(e)).OrderBy(e => e.Queued.BatchIndex).ToList();
            var size = members[0].Queued.BatchSize;
            var complete = members.Count == size
                && members.Select((e, i) => e.Queued.BatchIndex == i).All(ok => ok)
                && WebhookBatch.IdFor(members.Select(e => e.Queued.EventId)) == batchId;
            var now = owner._timeProvider.GetUtcNow();
            if (!complete)
            {
                var due = members.Max(e => e.Queued.NotBefore) ?? now;
                if (now < due + owner._scheduler.PendingGrace)
                {
                    foreach (var member in members)
                    {
                        Turn(member).Hold(member, now + TimeSpan.FromSeconds(1));
                        _taken.Add(member);
                    }

                    return null;
                }

                // The rest went elsewhere (another consumer, or delivered): these go on as ordinary events.
                ConsumerLog.BatchForgotten(owner._logger, owner._subscriptionId, batchId, members.Count, size ?? 0);
                _forgotten.Add(batchId);
                foreach (var member in members)
                {
                    member.Updated = member.Updated with { BatchId = null, BatchIndex = null, BatchSize = null };
                }

                return null;
            }

            foreach (var member in members)
            {
                _taken.Add(member);
                Turn(member).Returned(member);
            }

            // Every member is asked (no short cut): each one that must wait says until when.
            if (members.Select(Start).ToArray().All(started => started))
            {
                return new Planned(members, Retried: true);
            }

            // One of them must wait (its DID, its own time): the batch waits whole, to go again as it was.
            var until = members.Where(e => e.Outcome == EventOutcome.Held).Select(e => e.DueAt).DefaultIfEmpty(now + TimeSpan.FromSeconds(1)).Max();
            foreach (var member in members.Where(e => e.Outcome != EventOutcome.Copy))
            {
                Turn(member).Hold(member, until);
            }

            return null;
        }

        private async Task SendAsync(Planned planned, CancellationToken cancellationToken)
        {
            var circuit = sender.Circuit;
            while (true)
            {
                // Asked before taking a slot: a batch held for the endpoint's next probe holds none.
                if (await circuit.WaitAsync(deadline, cancellationToken) is { } openUntil)
                {
                    foreach (var member in planned.Events)
                    {
                        Turn(member).HoldForCircuit(member, openUntil, circuit.Snapshot.LastError);
                    }

                    return;
                }

                using var slot = await owner._lane.AcquireAsync(cancellationToken);
                var batch = new WebhookBatch(planned.Events);
                var (result, culprit) = await owner._attempt.RunAsync(sender, batch, cancellationToken);
                if (culprit is null && !result.Sent)
                {
                    // The circuit opened, or another request became the probe, since it was asked: ask again.
                    continue;
                }

                Settle(planned, batch, result, culprit, circuit.State == EndpointCircuitState.Open ? circuit.ProbeAt : null);
                return;
            }
        }

        private void Settle(Planned planned, WebhookBatch batch, DeliveryResult result, InFlightEvent? culprit, DateTimeOffset? circuitOpenUntil)
        {
            if (culprit is not null)
            {
                // Its body could not be read: it fails alone, the others go on without it.
                Failed(culprit, owner._scheduler.RetryPolicy.AfterFailure(culprit.Updated, result, owner._timeProvider.GetUtcNow(), out var dead), dead, result);
                var rest = planned.Events.Where(e => e != culprit).ToList();
                if (rest.Count > 0)
                {
                    _planned.Push(new Planned(rest, planned.Retried));
                }

                return;
            }

            owner._lane.Record(result.Delivered);
            owner._metrics.Attempted(owner._subscriptionId, result);
            var now = owner._timeProvider.GetUtcNow();
            if (result.Delivered)
            {
                foreach (var member in planned.Events)
                {
                    Turn(member).Delivered(member);
                    owner._metrics.Delivered(owner._subscriptionId, now - member.Queued.QueuedAt);
                }

                return;
            }

            var updated = new QueuedEvent[planned.Events.Count];
            var anyDead = false;
            for (var i = 0; i < updated.Length; i++)
            {
                updated[i] = owner._scheduler.RetryPolicy.AfterFailure(planned.Events[i].Updated, result, now, out var dead, circuitOpenUntil);
                anyDead |= dead;
            }

            var count = planned.Events.Count;
            if (count > 1 && !result.Endpoint && (planned.Retried || anyDead))
            {
                Split(planned, updated, batch.Id, result);
                return;
            }

            ConsumerLog.BatchAttemptFailed(owner._logger, owner._subscriptionId, batch.Id, count, updated[0].Attempts, result.Error);
            owner._metrics.Retried(owner._subscriptionId);
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
                Turn(member).Retry(member, retrying.Count == 1
                    ? next with { BatchId = null, BatchIndex = null, BatchSize = null }
                    : next with { NotBefore = due, BatchId = id, BatchIndex = i, BatchSize = retrying.Count }, result.Endpoint);
            }
        }

        /// <summary>Records the failure on every event and sends both halves next, first half first, splitting again if they fail.</summary>
        private void Split(Planned planned, QueuedEvent[] updated, string batchId, DeliveryResult result)
        {
            for (var i = 0; i < updated.Length; i++)
            {
                planned.Events[i].Updated = updated[i] with { NotBefore = null, BatchId = null, BatchIndex = null, BatchSize = null };
            }

            var half = planned.Events.Count / 2;
            ConsumerLog.BatchSplit(owner._logger, owner._subscriptionId, batchId, planned.Events.Count, result.Error);
            _planned.Push(new Planned(planned.Events[half..], Retried: true));
            _planned.Push(new Planned(planned.Events[..half], Retried: true));
        }

        private void Failed(InFlightEvent inFlight, QueuedEvent updated, bool deadLetter, DeliveryResult result)
        {
            if (deadLetter)
            {
                Turn(inFlight).DeadLettered(inFlight, updated);
                return;
            }

            ConsumerLog.AttemptFailed(owner._logger, owner._subscriptionId, inFlight.Queued.EventId, updated.Attempts, result.Error);
            Turn(inFlight).Retry(inFlight, updated with { BatchId = null, BatchIndex = null, BatchSize = null }, result.Endpoint);
        }
    }

    private void CopySkipped(InFlightEvent inFlight)
    {
        ConsumerLog.CopySkipped(_logger, _subscriptionId, inFlight.Queued.EventId, inFlight.Message.Message.MessageId);
        _metrics.CopySkipped(_subscriptionId);
    }
}
