using Azure;
using Azure.Storage.Queues.Models;
using Jetstream.Storage;
using Jetstream.WebhookConsumer.Deliver;
using Jetstream.WebhookConsumer.Hosting;
using Jetstream.WebhookConsumer.Receive;
using Jetstream.WebhookConsumer.Schedule;
using Microsoft.Extensions.Logging;

namespace Jetstream.WebhookConsumer.Settle;

/// <summary>
/// The messages one subscription's loop keeps in hand instead of putting them back in the queue, each updated once
/// under a lease (<see cref="MessageSettler"/>). Azure Queues hand out visible messages oldest visibility first, so a
/// message put back goes behind every message waiting, and every DID with an event in it waits its turn again:
/// <list type="bullet">
/// <item>While the webhook endpoint's circuit is open: those whose events wait for the next probe, so the loop delivers
/// them from hand when the probe is due (one of them is the probe), together with the backlog received into hand
/// meanwhile (<see cref="Hold"/>, up to <c>Webhook:MaxKeptMessages</c>): nothing is put back during an outage, so the
/// queue keeps its order, and a message kept unchanged is updated again only near its lease's end.</item>
/// <item>While a backlog waits (<see cref="KeepDueAsync"/>): those whose events are due within a second, in practice
/// held behind an earlier event of their DID that is overdue but was not in the batch (it failed just before the
/// circuit opened and went back to the queue). They go again with the next batch, where the earlier event may be;
/// put back, they went behind the backlog, their DID's later events were held behind them and went behind it in turn,
/// and the DID was not delivered until the queue was through (the drain after a 15 s outage took 10 s, issue 20).</item>
/// </list>
/// What is still kept when the loop ends is made visible again at once, for the next consumer. Settles run beside the
/// next delivery, so the list is locked.
/// </summary>
internal sealed class KeptMessages(EventQueueClients clients, BatchProcessor processor, TimeProvider timeProvider, ILogger logger)
{
    /// <summary>How soon a message must be due to be kept while a backlog waits: when an event held behind an overdue one looks again.</summary>
    public static readonly TimeSpan DueWithin = DidTurn.OverdueRecheck;

    private const int ReleaseConcurrency = 16;

    private readonly List<KeptMessage> _kept = [];
    private readonly Lock _lock = new();
    private long _bytes;

    public bool Any
    {
        get
        {
            lock (_lock)
            {
                return _kept.Count > 0;
            }
        }
    }

    /// <summary>How many messages are in hand and the bytes of their bodies (<c>Webhook:MaxKeptMessages</c>, <c>Webhook:MaxKeptBytes</c>).</summary>
    public (int Messages, long Bytes) Size
    {
        get
        {
            lock (_lock)
            {
                return (_kept.Count, _bytes);
            }
        }
    }

    /// <summary>
    /// Holds messages received while the circuit is open (<c>BacklogInHand</c>), hidden for a whole visibility timeout
    /// from <paramref name="leaseFrom"/> (the probe): they go out with the messages kept for it, in queue order.
    /// </summary>
    public void Hold(IEnumerable<QueueMessage> messages, DateTimeOffset leaseFrom) => Add([.. messages.Select(m => new KeptMessage(m, leaseFrom))]);

    /// <summary>Every kept message as one batch, oldest first, its invisibility counted from the earliest lease.</summary>
    public ReceivedBatch Take()
    {
        lock (_lock)
        {
            var batch = new ReceivedBatch([.. _kept.OrderBy(k => k.Message.InsertedOn).Select(k => k.Message)], _kept.Min(k => k.LeaseFrom));
            _kept.Clear();
            _bytes = 0;
            return batch;
        }
    }

    /// <summary>
    /// Settles a delivered batch while the circuit is closed and a backlog waits behind it: a message due within
    /// <see cref="DueWithin"/> is kept for the next batch, the rest goes back to the queue (or is deleted).
    /// </summary>
    public async Task KeepDueAsync(DeliveredBatch delivered, CancellationToken cancellationToken)
    {
        try
        {
            Add(await processor.SettleKeepingDueAsync(delivered, timeProvider.GetUtcNow() + DueWithin, cancellationToken));
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            ConsumerLog.BatchFailed(logger, clients.SubscriptionId, ex, delivered.Messages.Count);
        }
    }

    /// <summary>Settles a delivered batch while the circuit is open until <paramref name="probeAt"/>: what waits for the probe is kept, the rest goes back to the queue.</summary>
    public async Task KeepAsync(DeliveredBatch delivered, DateTimeOffset probeAt, CancellationToken cancellationToken)
    {
        try
        {
            Add(await processor.SettleAsync(delivered, probeAt, cancellationToken));
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            ConsumerLog.BatchFailed(logger, clients.SubscriptionId, ex, delivered.Messages.Count);
        }
    }

    /// <summary>Makes every message still kept visible now, instead of after its lease.</summary>
    public async Task ReleaseAsync()
    {
        KeptMessage[] kept;
        lock (_lock)
        {
            kept = [.. _kept];
            _kept.Clear();
            _bytes = 0;
        }

        // Several at once: a whole outage's backlog may be in hand, and one at a time it outlasted a stop's timeout.
        await Parallel.ForEachAsync(kept.Select(k => k.Message), new ParallelOptions { MaxDegreeOfParallelism = ReleaseConcurrency }, async (message, _) =>
        {
            try
            {
                await clients.Queue.UpdateMessageAsync(message.MessageId, message.PopReceipt, (BinaryData?)null, TimeSpan.Zero, CancellationToken.None);
            }
            catch (RequestFailedException ex)
            {
                ConsumerLog.SettleFailed(logger, clients.SubscriptionId, message.MessageId, ex.Status, ex.Message);
            }
        });
    }

    private void Add(IReadOnlyList<KeptMessage> kept)
    {
        lock (_lock)
        {
            _kept.AddRange(kept);
            _bytes += kept.Sum(k => (long)k.Message.Body.ToMemory().Length);
        }
    }
}
