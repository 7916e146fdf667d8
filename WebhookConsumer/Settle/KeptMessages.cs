using Azure;
using Jetstream.Storage;
using Jetstream.WebhookConsumer.Deliver;
using Jetstream.WebhookConsumer.Hosting;
using Jetstream.WebhookConsumer.Receive;
using Microsoft.Extensions.Logging;

namespace Jetstream.WebhookConsumer.Settle;

/// <summary>
/// The messages one subscription's loop keeps in hand while its webhook endpoint's circuit is open: those whose events
/// wait for the next probe, each updated once under a lease that lasts past the probe (<see cref="MessageSettler"/>),
/// so the loop delivers them from hand when the probe is due (one of them is the probe) without receiving. The queue
/// behind them is then not touched during an outage (no storage transaction per waiting message and probe) and keeps
/// its order: Azure Queues hand out visible messages oldest visibility first, so messages put back until the probe
/// would come back after the untouched ones behind them, and every DID whose earlier event was among them would wait
/// its turn again. What is still kept when the loop ends is made visible again at once, for the next consumer.
/// </summary>
internal sealed class KeptMessages(EventQueueClients clients, BatchProcessor processor, ILogger logger)
{
    private readonly List<KeptMessage> _kept = [];

    public bool Any => _kept.Count > 0;

    /// <summary>Every kept message as one batch, oldest first, its invisibility counted from the earliest lease.</summary>
    public ReceivedBatch Take()
    {
        var batch = new ReceivedBatch([.. _kept.OrderBy(k => k.Message.InsertedOn).Select(k => k.Message)], _kept.Min(k => k.LeaseFrom));
        _kept.Clear();
        return batch;
    }

    /// <summary>Settles a delivered batch while the circuit is open until <paramref name="probeAt"/>: what waits for the probe is kept, the rest goes back to the queue.</summary>
    public async Task KeepAsync(DeliveredBatch delivered, DateTimeOffset probeAt, CancellationToken cancellationToken)
    {
        try
        {
            _kept.AddRange(await processor.SettleAsync(delivered, probeAt, cancellationToken));
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            ConsumerLog.BatchFailed(logger, clients.SubscriptionId, ex, delivered.Messages.Count);
        }
    }

    /// <summary>Makes every message still kept visible now, instead of after its lease.</summary>
    public async Task ReleaseAsync()
    {
        foreach (var message in _kept.Select(k => k.Message))
        {
            try
            {
                await clients.Queue.UpdateMessageAsync(message.MessageId, message.PopReceipt, (BinaryData?)null, TimeSpan.Zero, CancellationToken.None);
            }
            catch (RequestFailedException ex)
            {
                ConsumerLog.SettleFailed(logger, clients.SubscriptionId, message.MessageId, ex.Status, ex.Message);
            }
        }

        _kept.Clear();
    }
}
