namespace Jetstream.WebhookReceiver;

/// <summary>Counts since start (or the last reset).</summary>
public sealed record ReceiverStats
{
    /// <summary>Every request, whatever its answer.</summary>
    public long Requests { get; init; }

    /// <summary>Requests answered 2xx.</summary>
    public long Delivered { get; init; }

    /// <summary>
    /// Events in the delivered requests (<see cref="ReceiverOptions.CountEvents"/>, batches counted by their events);
    /// the delivered requests when events are not counted.
    /// </summary>
    public long Events { get; init; }

    /// <summary>Distinct events among <see cref="Events"/> (<see cref="EventTally.UniqueEvents"/>); <see cref="UniqueIds"/> when events are not counted.</summary>
    public long UniqueEvents { get; init; }

    /// <summary>Distinct <c>webhook-id</c>s among the delivered.</summary>
    public long UniqueIds { get; init; }

    /// <summary>Delivered requests whose <c>webhook-id</c> had already been delivered.</summary>
    public long Duplicates { get; init; }

    /// <summary>Requests answered 401 for a missing or wrong signature.</summary>
    public long Rejected { get; init; }

    /// <summary>Most requests that were being handled at the same moment.</summary>
    public long MaxConcurrent { get; init; }

    /// <summary>Requests failed on purpose by <see cref="ReceiverBehaviour"/> (status override, failure rate, down).</summary>
    public long Failed { get; init; }
}
