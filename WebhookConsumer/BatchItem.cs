using Azure.Storage.Queues.Models;
using Jetstream.EventQueue;

namespace Jetstream.WebhookConsumer;

/// <summary>One received queue message and the events it carries, with each event's outcome in this batch.</summary>
internal sealed class BatchItem(QueueMessage message, IReadOnlyList<QueuedEvent> events)
{
    public QueueMessage Message { get; } = message;

    public IReadOnlyList<QueuedEvent> Events { get; } = events;

    public EventOutcome[] Outcomes { get; } = new EventOutcome[events.Count];

    /// <summary>The event as it goes back into the message (attempt recorded) or to the dead-letter queue.</summary>
    public QueuedEvent[] Updated { get; } = [.. events];

    /// <summary>When each held or retried event is next due.</summary>
    public DateTimeOffset[] DueAt { get; } = new DateTimeOffset[events.Count];
}
