namespace Jetstream.Grains.Interfaces.Backfill;

/// <summary>
/// A repository's backfill ended: its held live commits are handed over. With <see cref="SnapshotRev"/> (the snapshot
/// the backfill sent) the commits at or below it are dropped, the snapshot holds them; without it (skipped, failed,
/// cancelled) every one is queued. <see cref="Drop"/>: none is queued (the subscription is being deleted).
/// </summary>
[GenerateSerializer, Immutable]
public sealed record HeldRelease(
    [property: Id(0)] string Did,
    [property: Id(1)] string? SnapshotRev,
    [property: Id(2)] bool Drop = false)
{
    /// <summary>
    /// Stands for every repository while a run discovers its repositories at the relay: a commit of a repository
    /// discovered later must not reach the receiver before that repository's snapshot (it would come twice). Released
    /// when discovery ends: the repositories not discovered get their commits queued, the others wait for their hand-over.
    /// </summary>
    public const string Everyone = "*";
}
