namespace Jetstream.Grains.Interfaces.Backfill;

/// <summary>How one attempt at a repository ended; <see cref="Rev"/> is the snapshot's when it is done (the seam drops held commits up to it).</summary>
[GenerateSerializer, Immutable]
public sealed record BackfillRepoOutcome(
    [property: Id(0)] long RunId,
    [property: Id(1)] string Did,
    [property: Id(2)] BackfillRepoResult Result,
    [property: Id(3)] string? Reason,
    [property: Id(4)] long Records,
    [property: Id(5)] long Bytes,
    [property: Id(6)] DateTimeOffset? RetryAfter = null,
    [property: Id(7)] long DispatchId = 0,
    [property: Id(8)] string? Rev = null);

/// <summary>The kinds of end of one attempt; the job decides what each means for the repository.</summary>
[GenerateSerializer]
public enum BackfillRepoResult
{
    /// <summary>Every wanted record queued (or nothing to send).</summary>
    Done,

    /// <summary>Taken down, deactivated, suspended, not found: nothing to deliver, not an error.</summary>
    Skipped,

    /// <summary>A check failed (signature, hash, DID, tree): nothing of it was delivered; trying again does not help.</summary>
    Invalid,

    /// <summary>The host answered 429: it is parked until <see cref="BackfillRepoOutcome.RetryAfter"/>, the repository retried then.</summary>
    RateLimited,

    /// <summary>The host failed or could not be reached: retried with backoff until <c>Backfill:MaxAttempts</c>.</summary>
    HostFailed,

    /// <summary>The job told it to stop.</summary>
    Stopped,
}
