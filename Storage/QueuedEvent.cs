namespace Jetstream.Storage;

/// <summary>
/// One event inside a queue message: the Jetstream event's original JSON bytes (or, for an event too large for a
/// message, the name of the blob holding them) plus delivery bookkeeping. See docs/queue-contract.md.
/// </summary>
public sealed record QueuedEvent
{
    /// <summary>Deterministic id (<see cref="EventIds.ForCommit"/>); the webhook's <c>webhook-id</c>.</summary>
    public required string EventId { get; init; }

    public required DateTimeOffset QueuedAt { get; init; }

    /// <summary>The event's repo DID, so consumers can order per DID without parsing the body.</summary>
    public required string Did { get; init; }

    /// <summary>The event's Jetstream <c>time_us</c>.</summary>
    public required long TimeUs { get; init; }

    /// <summary>The event exactly as Jetstream sent it. Empty when <see cref="BlobName"/> is set.</summary>
    public ReadOnlyMemory<byte> EventJson { get; init; }

    /// <summary>Blob (in <c>Queue:LargeEventContainer</c>) holding the event's JSON, for events over the message limit.</summary>
    public string? BlobName { get; init; }

    /// <summary>W3C trace context of the span that queued the event.</summary>
    public string? TraceParent { get; init; }

    /// <summary>Delivery attempts made so far (0 when queued).</summary>
    public int Attempts { get; init; }

    public DateTimeOffset? FirstAttemptAt { get; init; }

    /// <summary>HTTP status of the last failed attempt, if a response arrived.</summary>
    public int? LastStatus { get; init; }

    public string? LastError { get; init; }

    /// <summary>
    /// Earliest time of the next attempt (the event's own backoff), so an event packed with others in one message
    /// keeps its schedule when the message becomes visible earlier for another event. Null: due now.
    /// </summary>
    public DateTimeOffset? NotBefore { get; init; }

    /// <summary>
    /// The <c>webhook-id</c> of the batch this event last failed in (batched webhooks only), so its retry sends the
    /// same batch again: the events carrying it, <see cref="BatchSize"/> of them, in <see cref="BatchIndex"/> order. Null otherwise.
    /// </summary>
    public string? BatchId { get; init; }

    /// <summary>This event's place in the body of batch <see cref="BatchId"/> (from 0).</summary>
    public int? BatchIndex { get; init; }

    /// <summary>How many events the batch <see cref="BatchId"/> holds.</summary>
    public int? BatchSize { get; init; }
}
