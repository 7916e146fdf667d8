using Jetstream.Storage;

namespace Jetstream.Grains.Processing;

/// <summary>
/// The sink's port to storage: one message write (its large events' blobs first). The Silo's is
/// <see cref="StorageEventQueueWriter"/>; unit tests use one in memory.
/// </summary>
public interface IEventQueueWriter
{
    QueueOptions Options { get; }

    /// <summary>The blob an event too large for a message is written to.</summary>
    string BlobNameFor(string eventId);

    /// <summary>Writes one large event's blob (a held commit's, before it is held).</summary>
    Task WriteBlobAsync(string blobName, ReadOnlyMemory<byte> body, CancellationToken cancellationToken);

    /// <summary>Writes <paramref name="events"/>' blobs, then the message <paramref name="body"/>; throws if storage refuses.</summary>
    Task WriteAsync(IReadOnlyList<PendingEvent> events, BinaryData body, CancellationToken cancellationToken);
}
