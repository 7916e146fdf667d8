using Jetstream.Storage;

namespace Jetstream.Grains.Processing;

/// <summary>Writes the sink's messages to the subscription's Azure Storage queue, large events to its blob container first.</summary>
public sealed class StorageEventQueueWriter(EventQueueClients queue) : IEventQueueWriter
{
    public QueueOptions Options => queue.Options;

    public string BlobNameFor(string eventId) => queue.BlobNameFor(eventId);

    public async Task WriteBlobAsync(string blobName, ReadOnlyMemory<byte> body, CancellationToken cancellationToken) =>
        await queue.LargeEvents.GetBlobClient(blobName).UploadAsync(new BinaryData(body), overwrite: true, cancellationToken);

    public async Task WriteAsync(IReadOnlyList<PendingEvent> events, BinaryData body, CancellationToken cancellationToken)
    {
        foreach (var e in events)
        {
            if (e.Event.BlobName is { } blobName)
            {
                await WriteBlobAsync(blobName, e.BlobBody, cancellationToken);
            }
        }

        // No expiry: an event waits for as long as the webhook is down (docs/queue-contract.md).
        await queue.Queue.SendMessageAsync(body, visibilityTimeout: null, timeToLive: TimeSpan.FromSeconds(-1), cancellationToken);
    }
}
