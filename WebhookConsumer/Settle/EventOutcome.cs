namespace Jetstream.WebhookConsumer.Settle;

/// <summary>What happened to one event of a received batch.</summary>
internal enum EventOutcome
{
    /// <summary>Not attempted in this batch: not due yet, behind a failed event of its DID, or past the batch deadline.</summary>
    Held,

    Delivered,

    /// <summary>Attempted and failed; retried at its <c>NotBefore</c>.</summary>
    Retry,

    DeadLetter,

    /// <summary>A copy of an event delivered moments ago (same <c>webhook-id</c>): removed without being sent again.</summary>
    Copy,

    /// <summary>Failed in a batch, and written with that batch's other events into a message of their own (see <see cref="MessageSettler"/>).</summary>
    Regrouped,
}
