using Jetstream.Storage;

namespace Jetstream.Grains.Processing;

/// <summary>A matching commit on its way to the queue. <see cref="BlobBody"/> is set when the event goes to blob storage.</summary>
public sealed record PendingEvent(QueuedEvent Event, string Collection, ReadOnlyMemory<byte> BlobBody);
