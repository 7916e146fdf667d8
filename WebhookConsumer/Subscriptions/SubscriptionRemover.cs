using Azure.Storage.Queues.Models;
using Azure;
using Jetstream.Storage.Subscriptions;
using Jetstream.Storage;
using Jetstream.WebhookConsumer.Hosting;
using Microsoft.Extensions.Logging;

namespace Jetstream.WebhookConsumer.Subscriptions;

/// <summary>
/// Removes a drained subscription: its queues, its large-event blobs, then its document. Safe when several consumers
/// do it at once: it acts only on a document still marked deleting and on a queue with no message at all (Azure's
/// approximate count includes invisible messages, so another consumer's batch in hand or an event waiting for its
/// retry keeps the queue), and every step is idempotent, so the second consumer's removal finds nothing to remove.
/// The document goes last, so a consumer that dies midway leaves it for the next one to finish.
/// </summary>
internal sealed class SubscriptionRemover(SubscriptionStore store)
{
    /// <summary>Removes a drained subscription, logging what came of it; true when it is gone.</summary>
    /// <param name="cancellationToken">Abandons the removal (the next consumer, or this one later, finishes it).</param>
    public async Task<bool> RemoveIfDrainedAsync(EventQueueClients clients, ILogger logger, CancellationToken cancellationToken)
    {
        try
        {
            if (!await TryRemoveAsync(clients, cancellationToken))
            {
                return false;
            }

            ConsumerLog.Removed(logger, clients.SubscriptionId, clients.QueueName, clients.PoisonQueueName);
            return true;
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            ConsumerLog.RemoveFailed(logger, clients.SubscriptionId, ex);
            return false;
        }
    }

    /// <summary>True when the subscription is gone (removed now or by someone else); false when it must keep draining.</summary>
    public async Task<bool> TryRemoveAsync(EventQueueClients clients, CancellationToken cancellationToken)
    {
        var stored = await store.GetAsync(clients.SubscriptionId, cancellationToken);
        if (stored is null)
        {
            return true;
        }

        if (stored.Document.Lifecycle != SubscriptionLifecycle.Deleting)
        {
            return false;
        }

        if (stored.Document.DiscardOnDelete)
        {
            // The Api drops the queue itself.
            return true;
        }

        if (await ApproximateCountAsync(clients.Queue, cancellationToken) > 0)
        {
            return false;
        }

        await clients.DeleteAllAsync(cancellationToken);
        await store.DeleteAsync(clients.SubscriptionId, cancellationToken);
        return true;
    }

    private static async Task<int> ApproximateCountAsync(Azure.Storage.Queues.QueueClient queue, CancellationToken cancellationToken)
    {
        try
        {
            QueueProperties properties = await queue.GetPropertiesAsync(cancellationToken);
            return properties.ApproximateMessagesCount;
        }
        catch (RequestFailedException ex) when (ex.Status == 404)
        {
            // Another consumer removed it already.
            return 0;
        }
    }
}
