using Jetstream.EventQueue;

namespace Jetstream.WebhookConsumer;

/// <summary>
/// One event of a received message on its way through a batch: the scheduler sets its outcome (held, or after the
/// attempt delivered, retried or dead-lettered), the settler reads it. Only the task delivering the event's DID writes it.
/// </summary>
internal sealed class InFlightEvent(ReceivedMessage message, QueuedEvent queued)
{
    public ReceivedMessage Message { get; } = message;

    /// <summary>The event as it was received.</summary>
    public QueuedEvent Queued { get; } = queued;

    public EventOutcome Outcome { get; set; }

    /// <summary>The event as it goes back into the message (attempt recorded) or to the dead-letter queue.</summary>
    public QueuedEvent Updated { get; set; } = queued;

    /// <summary>When a held or retried event is next due.</summary>
    public DateTimeOffset DueAt { get; set; }

    public string Did => Queued.Did;
}
