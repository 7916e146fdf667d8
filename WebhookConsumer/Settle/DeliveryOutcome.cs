using Jetstream.Storage;

namespace Jetstream.WebhookConsumer.Settle;

/// <summary>
/// What the delivery of one received event came to in this batch, as the step that decided it returned it: delivered,
/// skipped as a copy, held (for its DID's order, its own time, the batch's deadline, or the open circuit's probe),
/// failed and retried at <see cref="DueAt"/>, or dead-lettered. Immutable: a later step that decides again returns a
/// new one, and the settler (<see cref="MessageSettler"/>) alone acts on the last one.
/// </summary>
/// <param name="Updated">The event as it goes back into its message (attempts recorded) or to the dead-letter queue.</param>
/// <param name="DueAt">When a held or retried event is next due.</param>
/// <param name="WaitsForEndpoint">
/// Held or retried for the endpoint, not for the event: its circuit was open, its attempt failed the endpoint's way, or
/// an earlier event of its DID waits so. While the circuit is open such an event is due at the next probe, whatever its
/// own wait said (<see cref="Schedule.DidScheduler.WaitForProbe"/>).
/// </param>
internal sealed record DeliveryOutcome(EventOutcome Kind, QueuedEvent Updated, DateTimeOffset DueAt, bool WaitsForEndpoint)
{
    /// <summary>Nothing decided in this batch (or only attempts recorded before it goes again): back to the queue as it is, visible at once.</summary>
    public static DeliveryOutcome Untouched(QueuedEvent current) => new(EventOutcome.Held, current, DateTimeOffset.MinValue, false);

    public static DeliveryOutcome Delivered(QueuedEvent current) => new(EventOutcome.Delivered, current, DateTimeOffset.MinValue, false);

    public static DeliveryOutcome Copy(QueuedEvent current) => new(EventOutcome.Copy, current, DateTimeOffset.MinValue, false);

    public static DeliveryOutcome Held(QueuedEvent current, DateTimeOffset until, bool forEndpoint) => new(EventOutcome.Held, current, until, forEndpoint);

    public static DeliveryOutcome Retry(QueuedEvent updated, DateTimeOffset due, bool forEndpoint) => new(EventOutcome.Retry, updated, due, forEndpoint);

    public static DeliveryOutcome DeadLetter(QueuedEvent updated) => new(EventOutcome.DeadLetter, updated, DateTimeOffset.MinValue, false);

    /// <summary>Held or retried: the event stays in its message.</summary>
    public bool Remains => Kind is EventOutcome.Held or EventOutcome.Retry;
}
