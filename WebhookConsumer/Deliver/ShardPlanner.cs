using Jetstream.Storage;
using Jetstream.WebhookConsumer.Hosting;
using Jetstream.WebhookConsumer.Receive;
using Jetstream.WebhookConsumer.Schedule;
using Jetstream.WebhookConsumer.Settle;

namespace Jetstream.WebhookConsumer.Deliver;

/// <summary>
/// The plan of one shard: which events go in its next request, in queue order, with the per-DID rules of
/// <see cref="DidTurn"/> (a DID's events wait behind its held or failed ones; a copy of an event delivered moments ago
/// is skipped), up to the subscription's event and byte limits. With batches on, a batch that failed before goes again
/// as it was, once all of its events are here (<see cref="QueuedEvent.BatchId"/>); the halves of a split batch go
/// before anything new. With batches off (<see cref="WebhookSender.BatchMaxEvents"/> 1) every request is one event.
/// </summary>
internal sealed class ShardPlanner(ShardContext context, WebhookSender sender, IReadOnlyList<InFlightEvent> events, DateTimeOffset deadline)
{
    // Nothing larger than a queue message is carried in one; a blob's event counts as that much until read.
    private const int LargeEventEstimate = 64 * 1024;

    private readonly Dictionary<string, DidTurn> _turns = new(StringComparer.Ordinal);
    private readonly Dictionary<InFlightEvent, DeliveryOutcome> _outcomes = [];
    private readonly HashSet<InFlightEvent> _taken = [];
    private readonly HashSet<string> _forgotten = new(StringComparer.Ordinal);
    private readonly Stack<PlannedRequest> _planned = new();
    private readonly bool _batching = sender.BatchMaxEvents > 1;
    private int _next;

    /// <summary>The turn of <paramref name="inFlight"/>'s DID in this batch (one per DID, kept for the whole shard).</summary>
    public DidTurn Turn(InFlightEvent inFlight)
    {
        if (!_turns.TryGetValue(inFlight.Did, out var turn))
        {
            _turns[inFlight.Did] = turn = context.Scheduler.Begin(inFlight.Did, _outcomes);
        }

        return turn;
    }

    /// <summary>What this shard's turns decided for its events, each the last outcome decided for it.</summary>
    public IReadOnlyDictionary<InFlightEvent, DeliveryOutcome> Outcomes => _outcomes;

    /// <summary>Goes next, before anything new: a split half, or what is left of a request after an unreadable event.</summary>
    public void Push(PlannedRequest request) => _planned.Push(request);

    /// <summary>The next request of this shard; null when nothing more may go in this batch.</summary>
    public PlannedRequest? Next()
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

            if (_batching && inFlight.Queued.BatchId is { } batchId && !_forgotten.Contains(batchId))
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

        return members.Count > 0 ? new PlannedRequest(members, Retried: false) : null;
    }

    /// <summary>Whether the event may go now; if not, it is held or was a copy (and is taken either way).</summary>
    private bool Start(InFlightEvent inFlight)
    {
        if (Turn(inFlight).TryStart(inFlight, deadline))
        {
            return true;
        }

        _taken.Add(inFlight);
        if (Turn(inFlight).OutcomeOf(inFlight).Kind == EventOutcome.Copy)
        {
            context.CopySkipped(inFlight);
        }

        return false;
    }

    /// <summary>
    /// The request of a batch that failed before, if all of its events are here and may go; otherwise its events
    /// wait (briefly, for the rest to come) or, once the rest has not come for the grace, go as ordinary events.
    /// </summary>
    private PlannedRequest? Retried(string batchId)
    {
        var members = events.Where(e => e.Queued.BatchId == batchId && !_taken.Contains(e)).OrderBy(e => e.Queued.BatchIndex).ToList();
        var size = members[0].Queued.BatchSize;
        var complete = members.Count == size
            && members.Select((e, i) => e.Queued.BatchIndex == i).All(ok => ok)
            && WebhookBatch.IdFor(members.Select(e => e.Queued.EventId)) == batchId;
        var now = context.TimeProvider.GetUtcNow();
        if (!complete)
        {
            var due = members.Max(e => e.Queued.NotBefore) ?? now;
            if (now < due + context.Scheduler.PendingGrace)
            {
                foreach (var member in members)
                {
                    Turn(member).Hold(member, now + TimeSpan.FromSeconds(1));
                    _taken.Add(member);
                }

                return null;
            }

            // The rest went elsewhere (another consumer, or delivered): these go on as ordinary events.
            ConsumerLog.BatchForgotten(context.Logger, context.SubscriptionId, batchId, members.Count, size ?? 0);
            _forgotten.Add(batchId);
            foreach (var member in members)
            {
                Turn(member).Restate(member, Turn(member).Current(member) with { BatchId = null, BatchIndex = null, BatchSize = null });
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
            return new PlannedRequest(members, Retried: true);
        }

        // One of them must wait (its DID, its own time): the batch waits whole, to go again as it was.
        var outcomes = members.Select(e => Turn(e).OutcomeOf(e)).ToArray();
        var until = outcomes.Where(o => o.Kind == EventOutcome.Held).Select(o => o.DueAt).DefaultIfEmpty(now + TimeSpan.FromSeconds(1)).Max();
        foreach (var member in members.Where((_, i) => outcomes[i].Kind != EventOutcome.Copy))
        {
            Turn(member).Hold(member, until);
        }

        return null;
    }
}
