namespace Jetstream.Grains.Backfill;

/// <summary>What a <see cref="BackfillCleanupGrain"/> has still to remove (grain state), so a silo's death does not forget it.</summary>
[GenerateSerializer]
public sealed class BackfillCleanupState
{
    /// <summary>The generations whose repair indexes are still to go ("" for a document older than generations).</summary>
    [Id(0)] public HashSet<string> Generations { get; set; } = new(StringComparer.Ordinal);

    /// <summary>
    /// The job's last run when the latest deletion was recorded: rows of runs up to it belong to deleted subscriptions
    /// (a subscription created again numbers its runs on from there), later ones to the live one.
    /// </summary>
    [Id(1)] public long LastRun { get; set; }
}
