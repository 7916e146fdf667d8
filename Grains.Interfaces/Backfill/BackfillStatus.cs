namespace Jetstream.Grains.Interfaces.Backfill;

/// <summary>A run's progress as <c>GET /subscriptions/{id}/backfill</c> shows it.</summary>
[GenerateSerializer, Immutable]
public sealed record BackfillStatus(
    [property: Id(0)] BackfillState State,
    [property: Id(1)] DateTimeOffset StartedAt,
    [property: Id(2)] DateTimeOffset? CompletedAt,
    [property: Id(3)] BackfillRepoCounts Repos,
    [property: Id(4)] long Records,
    [property: Id(5)] double RecordsPerSecond,
    [property: Id(6)] IReadOnlyList<BackfillProblem> Problems,
    [property: Id(7)] string? CancelReason = null);

[GenerateSerializer]
public enum BackfillState
{
    Running,
    Completed,
    Cancelled,
}

[GenerateSerializer, Immutable]
public sealed record BackfillRepoCounts(
    [property: Id(0)] int Total,
    [property: Id(1)] int Pending,
    [property: Id(2)] int Done,
    [property: Id(3)] int Skipped,
    [property: Id(4)] int Failed);

/// <summary>A repository that was skipped or failed, and why. <see cref="State"/> is <c>skipped</c> or <c>failed</c>.</summary>
[GenerateSerializer, Immutable]
public sealed record BackfillProblem(
    [property: Id(0)] string Did,
    [property: Id(1)] string State,
    [property: Id(2)] string Reason);

/// <summary>The answer to a start: the new run's status, or why none started (one runs, or nothing to discover by).</summary>
[GenerateSerializer, Immutable]
public sealed record BackfillStartResult(
    [property: Id(0)] BackfillStatus? Status,
    [property: Id(1)] BackfillStartRefusal? Refusal,
    [property: Id(2)] string? Message);

[GenerateSerializer]
public enum BackfillStartRefusal
{
    AlreadyRunning,
    NothingToDiscover,
    NoSuchSubscription,

    /// <summary>The subscription's first backfill was started already (<see cref="IBackfillJobGrain.StartAwaited"/>).</summary>
    AlreadyStarted,
}
