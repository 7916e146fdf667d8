using Azure.Storage.Blobs;
using Azure.Storage.Blobs.Models;
using Azure.Storage.Queues;
using Jetstream.Storage.Subscriptions;

namespace Jetstream.Storage;

/// <summary>
/// The Azure Storage clients of one subscription's event queue: main queue, dead-letter queue and its part of the
/// large-event container. <c>default</c> keeps the names of the single-pipeline service (<c>Queue:Name</c>, blobs at the
/// container's root); every other subscription gets <c>&lt;Subscriptions:QueuePrefix&gt;-&lt;id&gt;</c> and blobs under
/// <c>&lt;id&gt;/</c>, so two subscriptions carrying the same event never share (or delete) each other's blob.
/// Made by <see cref="EventQueueClientsFactory"/>.
/// </summary>
public sealed class EventQueueClients
{
    private readonly CreateOnce _creation;

    /// <summary>The <c>default</c> subscription's clients.</summary>
    public EventQueueClients(StorageConnection connection, Microsoft.Extensions.Options.IOptions<QueueOptions> options)
        : this(connection, options.Value, new SubscriptionOptions(), SubscriptionDocument.DefaultId)
    {
    }

    public EventQueueClients(StorageConnection connection, QueueOptions options, SubscriptionOptions subscriptions, string subscriptionId)
    {
        Options = options;
        SubscriptionId = subscriptionId;
        var isDefault = subscriptionId == SubscriptionDocument.DefaultId;
        QueueName = isDefault ? options.Name : $"{subscriptions.QueuePrefix}-{subscriptionId}";
        PoisonQueueName = isDefault ? options.PoisonQueueName : QueueName + "-poison";
        BlobPrefix = isDefault ? string.Empty : subscriptionId + "/";
        Queue = connection.Queue(QueueName);
        PoisonQueue = connection.Queue(PoisonQueueName);
        LargeEvents = connection.Container(Options.LargeEventContainer);
        _creation = new CreateOnce(async ct =>
        {
            await Queue.CreateIfNotExistsAsync(cancellationToken: ct);
            await PoisonQueue.CreateIfNotExistsAsync(cancellationToken: ct);
            await LargeEvents.CreateIfNotExistsAsync(cancellationToken: ct);
        });
    }

    public QueueOptions Options { get; }

    public string SubscriptionId { get; }

    public string QueueName { get; }

    public string PoisonQueueName { get; }

    /// <summary>Prefix of this subscription's blob names in <see cref="LargeEvents"/>.</summary>
    public string BlobPrefix { get; }

    public QueueClient Queue { get; }

    public QueueClient PoisonQueue { get; }

    public BlobContainerClient LargeEvents { get; }

    /// <summary>Creates the queues and the container if missing; after the first success it returns at once.</summary>
    public Task EnsureCreatedAsync(CancellationToken cancellationToken = default) => _creation.EnsureAsync(cancellationToken);

    /// <summary>The blob holding an event too large for a message.</summary>
    public string BlobNameFor(string eventId) => BlobPrefix + eventId + ".json";

    /// <summary>Removes the queues and this subscription's blobs (never another subscription's): a deleted subscription leaves nothing.</summary>
    public async Task DeleteAllAsync(CancellationToken cancellationToken = default)
    {
        await Queue.DeleteIfExistsAsync(cancellationToken);
        await PoisonQueue.DeleteIfExistsAsync(cancellationToken);
        if (BlobPrefix.Length > 0 && await LargeEvents.ExistsAsync(cancellationToken))
        {
            await foreach (var blob in LargeEvents.GetBlobsAsync(BlobTraits.None, BlobStates.None, BlobPrefix, cancellationToken))
            {
                await LargeEvents.DeleteBlobIfExistsAsync(blob.Name, cancellationToken: cancellationToken);
            }
        }

        _creation.Reset();
    }
}
