using Jetstream.Grains.Interfaces.Backfill;

namespace Jetstream.Grains.Backfill;

/// <summary>What a job persists (grain state); each repository's row is in <see cref="BackfillRepoTable"/>.</summary>
[GenerateSerializer]
public sealed class BackfillJobState
{
    /// <summary>0: none ever ran. Numbers the runs, and so the table partitions of their repositories.</summary>
    [Id(0)] public long RunId { get; set; }

    [Id(1)] public BackfillState State { get; set; }

    [Id(2)] public DateTimeOffset StartedAt { get; set; }

    [Id(3)] public DateTimeOffset? CompletedAt { get; set; }

    /// <summary>Every repository of the run is in the table (the relay's lists were read to their ends).</summary>
    [Id(4)] public bool Discovered { get; set; }

    [Id(5)] public string? CancelReason { get; set; }

    /// <summary>The subscription was deleted: its runs are not shown (one created again with the id starts with none).</summary>
    [Id(6)] public bool SubscriptionDeleted { get; set; }
}
