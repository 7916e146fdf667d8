using System.Collections.Concurrent;
using System.Diagnostics;
using Azure;
using Azure.Storage.Queues.Models;
using Jetstream.EventQueue;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Jetstream.WebhookConsumer;

/// <summary>
/// Delivers the events of one received batch of queue messages and settles each message: delivered events leave it,
/// dead-lettered ones are written to the poison queue first, the rest stay in it with their attempt recorded and the
/// message hidden until the earliest of them is due. Events of one DID go one after another in queue order; while one
/// of them is failed or held back, that DID's later events wait, unattempted (in this batch and the batches after it).
/// One instance per subscription (its queue, its per-DID memory, its lane of the shared concurrency); the webhook is
/// given per batch, so a changed webhook keeps that memory.
/// </summary>
internal sealed class BatchProcessor
{
    private const int SettleConcurrency = 16;

    // Azure caps the visibility timeout at 7 days; a later-due event is simply held again then.
    private static readonly TimeSpan MaxVisibility = TimeSpan.FromDays(7) - TimeSpan.FromMinutes(1);

    private readonly EventQueueClients _clients;
    private readonly DeadLetterQueue _deadLetters;
    private readonly DeliveryLane _lane;
    private readonly RetryPolicy _retryPolicy;
    private readonly WebhookConsumerMetrics _metrics;
    private readonly TimeProvider _timeProvider;
    private readonly ILogger<BatchProcessor> _logger;
    private readonly WebhookOptions _options;

    // Per DID, the events seen but not yet delivered (see PendingEvents). An entry outlives its due time by a grace
    // that covers the whole-second visibility rounding and two poll intervals, then runs out in case the event went to
    // another consumer.
    private readonly ConcurrentDictionary<string, PendingEvents> _pending = new(StringComparer.Ordinal);
    private readonly TimeSpan _pendingGrace;

    public BatchProcessor(
        EventQueueClients clients,
        DeadLetterQueue deadLetters,
        DeliveryLane lane,
        RetryPolicy retryPolicy,
        WebhookConsumerMetrics metrics,
        IOptions<WebhookOptions> options,
        TimeProvider timeProvider,
        ILogger<BatchProcessor> logger)
    {
        _clients = clients;
        _deadLetters = deadLetters;
        _lane = lane;
        _retryPolicy = retryPolicy;
        _metrics = metrics;
        _timeProvider = timeProvider;
        _logger = logger;
        _options = options.Value;
        _pendingGrace = TimeSpan.FromSeconds(1) + (2 * _options.MaxPollInterval);
    }

    /// <summary>
    /// Decodes and delivers one received batch to <paramref name="sender"/>'s webhook, recording each event's outcome;
    /// nothing is written to the main queue yet (see <see cref="SettleAsync(IReadOnlyList{BatchItem}, CancellationToken)"/>).
    /// </summary>
    /// <param name="receivedAt">When the receive was issued: the messages are hidden from then for the visibility timeout.</param>
    /// <param name="cancellationToken">Abandons the batch as a crash would: nothing more is written, the messages reappear later.</param>
    public async Task<IReadOnlyList<BatchItem>> DeliverAsync(WebhookSender sender, IReadOnlyList<QueueMessage> messages, DateTimeOffset receivedAt, CancellationToken cancellationToken)
    {
        var items = new List<BatchItem>(messages.Count);
        foreach (var message in messages)
        {
            if (await DecodeAsync(message, cancellationToken) is { } item)
            {
                items.Add(item);
            }
        }

        // Starting an attempt later than this could outlive the messages' invisibility and let another consumer
        // deliver the same events at the same time.
        var deadline = receivedAt + _options.VisibilityTimeout - TimeSpan.FromSeconds(sender.TimeoutSeconds + 1);
        await Parallel.ForEachAsync(
            GroupByDid(items),
            new ParallelOptions { MaxDegreeOfParallelism = _options.MaxConcurrency, CancellationToken = cancellationToken },
            (events, token) => DeliverInOrderAsync(sender, events, deadline, token));
        PrunePending();
        return items;
    }

    /// <summary>Settles every message of a delivered batch: dead-letter copies first, then delete or update.</summary>
    public Task SettleAsync(IReadOnlyList<BatchItem> items, CancellationToken cancellationToken) =>
        Parallel.ForEachAsync(
            items,
            new ParallelOptions { MaxDegreeOfParallelism = SettleConcurrency, CancellationToken = cancellationToken },
            (item, token) => new ValueTask(SettleAsync(item, token)));

    private async Task<BatchItem?> DecodeAsync(QueueMessage message, CancellationToken cancellationToken)
    {
        IReadOnlyList<QueuedEvent> events;
        try
        {
            events = QueueMessageCodec.Decode(message.Body);
        }
        catch (FormatException ex)
        {
            ConsumerLog.Undecodable(_logger, _clients.SubscriptionId, message.MessageId, ex.Message);
            try
            {
                await _deadLetters.AddUndecodableAsync(message.Body, cancellationToken);
                await _clients.Queue.DeleteMessageAsync(message.MessageId, message.PopReceipt, cancellationToken);
            }
            catch (RequestFailedException storageError)
            {
                ConsumerLog.SettleFailed(_logger, _clients.SubscriptionId, message.MessageId, storageError.Status, storageError.Message);
            }

            return null;
        }

        return new BatchItem(message, events);
    }

    /// <summary>
    /// Each DID's events in queue order: by <c>queuedAt</c> (the producer stamps events in the order it queues them),
    /// then in receive order, since messages that were updated for a retry may come back in any order.
    /// </summary>
    private static IEnumerable<List<(BatchItem Item, int Index)>> GroupByDid(List<BatchItem> items)
    {
        var byDid = new Dictionary<string, List<(BatchItem, int)>>(StringComparer.Ordinal);
        foreach (var item in items)
        {
            for (var i = 0; i < item.Events.Count; i++)
            {
                if (!byDid.TryGetValue(item.Events[i].Did, out var list))
                {
                    byDid[item.Events[i].Did] = list = [];
                }

                list.Add((item, i));
            }
        }

        foreach (var list in byDid.Values)
        {
            if (!IsInQueueOrder(list))
            {
                var ordered = list.OrderBy(e => e.Item1.Events[e.Item2].QueuedAt).ToArray();
                list.Clear();
                list.AddRange(ordered);
            }
        }

        return byDid.Values;
    }

    private static bool IsInQueueOrder(List<(BatchItem Item, int Index)> events)
    {
        for (var i = 1; i < events.Count; i++)
        {
            if (events[i].Item.Events[events[i].Index].QueuedAt < events[i - 1].Item.Events[events[i - 1].Index].QueuedAt)
            {
                return false;
            }
        }

        return true;
    }

    private async ValueTask DeliverInOrderAsync(WebhookSender sender, List<(BatchItem Item, int Index)> events, DateTimeOffset deadline, CancellationToken cancellationToken)
    {
        var did = events[0].Item.Events[events[0].Index].Did;
        _pending.TryGetValue(did, out var pending);
        DateTimeOffset? heldUntil = null;
        foreach (var (item, index) in events)
        {
            var queuedEvent = item.Events[index];

            // Before the checks, so time spent waiting for a slot counts against the batch deadline.
            using var slot = heldUntil is null ? await _lane.AcquireAsync(cancellationToken) : default;
            var now = _timeProvider.GetUtcNow();
            if (heldUntil is null)
            {
                if (pending?.EarlierDue(queuedEvent, now) is { } earlierDue)
                {
                    // Come back with the earlier event; if that is overdue but not here yet, look again in a second.
                    heldUntil = earlierDue > now ? earlierDue : now + TimeSpan.FromSeconds(1);
                }
                else if (queuedEvent.NotBefore is { } notBefore && notBefore > now)
                {
                    heldUntil = notBefore;
                }
                else if (now > deadline)
                {
                    heldUntil = now;
                }
            }

            if (heldUntil is { } until)
            {
                item.Outcomes[index] = EventOutcome.Held;
                item.DueAt[index] = until;
                pending ??= _pending.GetOrAdd(did, static _ => new PendingEvents());
                pending.Set(queuedEvent, until, until + _pendingGrace);
                continue;
            }

            var result = await DeliverAsync(sender, queuedEvent, cancellationToken);
            _lane.Record(result.Delivered);
            _metrics.Attempted(_clients.SubscriptionId, result);
            if (result.Delivered)
            {
                item.Outcomes[index] = EventOutcome.Delivered;
                pending?.Remove(queuedEvent.EventId);
                _metrics.Delivered(_clients.SubscriptionId, _timeProvider.GetUtcNow() - queuedEvent.QueuedAt);
                continue;
            }

            var updated = _retryPolicy.AfterFailure(queuedEvent, result, _timeProvider.GetUtcNow(), out var deadLetter);
            item.Updated[index] = updated;
            if (deadLetter)
            {
                // Dead-lettering ends the event's turn; the DID's later events go on.
                item.Outcomes[index] = EventOutcome.DeadLetter;
                pending?.Remove(queuedEvent.EventId);
                continue;
            }

            ConsumerLog.AttemptFailed(_logger, _clients.SubscriptionId, queuedEvent.EventId, updated.Attempts, result.Error);
            _metrics.Retried(_clients.SubscriptionId);
            var due = updated.NotBefore!.Value;
            item.Outcomes[index] = EventOutcome.Retry;
            item.DueAt[index] = due;
            heldUntil = due;
            pending ??= _pending.GetOrAdd(did, static _ => new PendingEvents());
            pending.Set(queuedEvent, due, due + _pendingGrace);
        }
    }

    /// <summary>Forgets run-out entries and DIDs with nothing outstanding, so the map only holds DIDs with a pending retry.</summary>
    private void PrunePending()
    {
        var now = _timeProvider.GetUtcNow();
        foreach (var (did, pending) in _pending)
        {
            if (pending.Prune(now))
            {
                _pending.TryRemove(new KeyValuePair<string, PendingEvents>(did, pending));
            }
        }
    }

    private async Task<DeliveryResult> DeliverAsync(WebhookSender sender, QueuedEvent queuedEvent, CancellationToken cancellationToken)
    {
        // Null unless a listener (OpenTelemetry) samples it; HttpClient then sends the trace on in `traceparent`.
        using var activity = WebhookConsumerMetrics.ActivitySource.StartActivity("webhook.deliver", ActivityKind.Client, queuedEvent.TraceParent);
        activity?.SetTag("webhook.event_id", queuedEvent.EventId);
        activity?.SetTag("webhook.subscription", _clients.SubscriptionId);
        activity?.SetTag("webhook.attempt", queuedEvent.Attempts + 1);
        var result = await AttemptAsync(sender, queuedEvent, cancellationToken);
        if (!result.Delivered)
        {
            activity?.SetStatus(ActivityStatusCode.Error, result.Error);
        }

        return result;
    }

    private async Task<DeliveryResult> AttemptAsync(WebhookSender sender, QueuedEvent queuedEvent, CancellationToken cancellationToken)
    {
        try
        {
            var body = queuedEvent.EventJson;
            if (queuedEvent.BlobName is { } blobName)
            {
                try
                {
                    var download = await _clients.LargeEvents.GetBlobClient(blobName).DownloadContentAsync(cancellationToken);
                    body = download.Value.Content.ToMemory();
                }
                catch (RequestFailedException ex) when (ex.Status == 404)
                {
                    return DeliveryResult.Failure(null, $"Event body blob '{blobName}' not found in '{_clients.Options.LargeEventContainer}' " +
                        "(an earlier copy of this event, same webhook-id, may have been delivered and removed it).", permanent: true);
                }
                catch (RequestFailedException ex)
                {
                    return DeliveryResult.Failure(null, $"Could not read event body blob '{blobName}': {ex.Status} {ex.ErrorCode}");
                }
            }

            return await sender.SendAsync(queuedEvent.EventId, body, cancellationToken);
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            // Anything unforeseen counts as a failed attempt, so it follows the schedule instead of looping.
            return DeliveryResult.Failure(null, $"{ex.GetType().Name}: {ex.Message}");
        }
    }

    private async Task SettleAsync(BatchItem item, CancellationToken cancellationToken)
    {
        var message = item.Message;
        for (var i = 0; i < item.Events.Count; i++)
        {
            if (item.Outcomes[i] != EventOutcome.DeadLetter)
            {
                continue;
            }

            try
            {
                await _deadLetters.AddAsync(item.Updated[i], cancellationToken);
                ConsumerLog.DeadLettered(_logger, _clients.SubscriptionId, item.Updated[i].EventId, item.Updated[i].Attempts, item.Updated[i].LastStatus, item.Updated[i].LastError);
                _metrics.DeadLettered(_clients.SubscriptionId);
            }
            catch (RequestFailedException ex)
            {
                // Not written to the poison queue, so it stays in its message (attempt recorded) and is tried again.
                ConsumerLog.DeadLetterFailed(_logger, _clients.SubscriptionId, item.Updated[i].EventId, ex.Status, ex.Message);
                item.Outcomes[i] = EventOutcome.Retry;
                item.DueAt[i] = _timeProvider.GetUtcNow();
            }
        }

        var remaining = new List<QueuedEvent>(item.Events.Count);
        DateTimeOffset? due = null;
        var changed = false;
        for (var i = 0; i < item.Events.Count; i++)
        {
            if (item.Outcomes[i] is EventOutcome.Held or EventOutcome.Retry)
            {
                remaining.Add(item.Updated[i]);
                due = due is null || item.DueAt[i] < due ? item.DueAt[i] : due;
            }

            changed |= item.Outcomes[i] != EventOutcome.Held;
        }

        try
        {
            if (remaining.Count == 0)
            {
                await _clients.Queue.DeleteMessageAsync(message.MessageId, message.PopReceipt, cancellationToken);
            }
            else
            {
                await _clients.Queue.UpdateMessageAsync(
                    message.MessageId,
                    message.PopReceipt,
                    changed ? QueueMessageCodec.Encode(remaining) : null,
                    VisibilityUntil(due!.Value),
                    cancellationToken);
            }
        }
        catch (RequestFailedException ex)
        {
            // 404: the message's invisibility ran out and another receive took it; it will be delivered again there
            // (duplicates with the same webhook-id). Otherwise storage failed and it reappears after the timeout.
            ConsumerLog.SettleFailed(_logger, _clients.SubscriptionId, message.MessageId, ex.Status, ex.Message);
            return;
        }

        for (var i = 0; i < item.Events.Count; i++)
        {
            if (item.Outcomes[i] == EventOutcome.Delivered && item.Events[i].BlobName is { } blobName)
            {
                await DeleteBlobAsync(blobName, cancellationToken);
            }
        }
    }

    private async Task DeleteBlobAsync(string blobName, CancellationToken cancellationToken)
    {
        try
        {
            await _clients.LargeEvents.DeleteBlobIfExistsAsync(blobName, cancellationToken: cancellationToken);
        }
        catch (RequestFailedException ex)
        {
            ConsumerLog.BlobDeleteFailed(_logger, _clients.SubscriptionId, blobName, ex.Message);
        }
    }

    /// <summary>Whole seconds (what Azure takes), rounded up so the message never comes back before the event is due.</summary>
    private TimeSpan VisibilityUntil(DateTimeOffset due)
    {
        var wait = due - _timeProvider.GetUtcNow();
        if (wait <= TimeSpan.Zero)
        {
            return TimeSpan.Zero;
        }

        return wait >= MaxVisibility ? MaxVisibility : TimeSpan.FromSeconds(Math.Ceiling(wait.TotalSeconds));
    }
}
