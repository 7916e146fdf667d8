namespace Jetstream.Grains.Processing;

/// <summary>
/// What <see cref="QueueSink.TryTakeAcknowledged"/> hands on: the events of the messages the queue acknowledged since the
/// last take, in stream order, and the position they (and the events skipped meanwhile) bring the cursor to.
/// </summary>
public readonly record struct Acknowledged(CursorPosition Position, IReadOnlyList<PendingEvent> Events);
