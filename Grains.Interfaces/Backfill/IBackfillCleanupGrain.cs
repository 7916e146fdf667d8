namespace Jetstream.Grains.Interfaces.Backfill;

/// <summary>
/// Removes what a deleted subscription's backfills left (keyed by the subscription id): its runs' repository rows and
/// the repair index of what was delivered per repository. It cancels a running job first and deletes in the
/// background, so the Api's delete does not wait for a large index; what is left to remove is stored, so a silo's
/// death only delays it. Only what belongs to the deleted subscription goes: a subscription created again with the
/// same id keeps its rows (later runs) and its index (another generation).
/// </summary>
public interface IBackfillCleanupGrain : IGrainWithStringKey
{
    /// <summary>
    /// Cancels the subscription's backfill and starts removing what the subscription of that
    /// <paramref name="generation"/> left (null: one stored before generations); returns once that is recorded.
    /// </summary>
    Task Start(string? generation);
}
