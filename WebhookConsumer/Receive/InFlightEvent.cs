using Jetstream.EventQueue;
using Jetstream.WebhookConsumer.Deliver;
using Jetstream.WebhookConsumer.Schedule;
using Jetstream.WebhookConsumer.Settle;

namespace Jetstream.WebhookConsumer.Receive;

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

    /// <summary>
    /// Held or retried for the endpoint, not for the event: its circuit was open, its attempt failed the endpoint's way
    /// (<see cref="DeliveryResult.Endpoint"/>), or an earlier event of its DID waits so. While the circuit is open such an
    /// event is due at the next probe, whatever its own wait said (<see cref="DidScheduler.WaitForProbe"/>).
    /// </summary>
    public bool WaitsForEndpoint { get; set; }

    public string Did => Queued.Did;
}
