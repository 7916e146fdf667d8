using Jetstream.Storage;

namespace Jetstream.WebhookConsumer.Receive;

/// <summary>
/// One event of a received message on its way through a batch, as it was received. What its delivery comes to is not
/// written here: each step returns a <see cref="Settle.DeliveryOutcome"/>, and the settler acts on the last one.
/// </summary>
internal sealed class InFlightEvent(ReceivedMessage message, QueuedEvent queued)
{
    public ReceivedMessage Message { get; } = message;

    /// <summary>The event as it was received.</summary>
    public QueuedEvent Queued { get; } = queued;

    public string Did => Queued.Did;
}
