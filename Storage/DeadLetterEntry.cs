namespace Jetstream.Storage;

/// <summary>
/// One message of the dead-letter queue as <see cref="DeadLetterQueue.PeekAsync"/> shows it. A dead-letter message holds
/// exactly one event; a message whose body could not be decoded at all is shown with <see cref="EventId"/> null and the
/// decoding error in <see cref="LastError"/>.
/// </summary>
public sealed record DeadLetterEntry
{
    public required string MessageId { get; init; }

    public string? EventId { get; init; }

    public string? Did { get; init; }

    /// <summary>Delivery attempts made before the event was dead-lettered.</summary>
    public int Attempts { get; init; }

    /// <summary>HTTP status of the last attempt, or null when no response arrived (timeout, connection error).</summary>
    public int? LastStatus { get; init; }

    public string? LastError { get; init; }

    public DateTimeOffset? QueuedAt { get; init; }

    public DateTimeOffset? FirstAttemptAt { get; init; }

    /// <summary>When the event entered the dead-letter queue.</summary>
    public DateTimeOffset? DeadLetteredAt { get; init; }

    /// <summary>True when the event's body is in the large-event container rather than in the message.</summary>
    public bool InBlob { get; init; }
}
