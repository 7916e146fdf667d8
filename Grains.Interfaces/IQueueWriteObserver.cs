namespace Jetstream.Grains.Interfaces;

/// <summary>
/// A consumer's wake-up: its processor calls it after a queue write is acknowledged, so the consumer receives at once
/// instead of at its next poll (registered with <see cref="IJetstreamProcessorGrain.WatchQueueWrites"/>). It carries
/// nothing: what was written is read from the queue, and a lost call only costs the latency of one poll.
/// </summary>
public interface IQueueWriteObserver : IGrainObserver
{
    /// <summary>
    /// At least one message was written to the queue since the last call answered. Answering ends the call: the
    /// processor keeps at most one call in flight per observer and folds the writes of meanwhile into the next.
    /// </summary>
    Task QueueWritten();
}
