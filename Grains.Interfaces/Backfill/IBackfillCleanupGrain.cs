namespace Jetstream.Grains.Interfaces.Backfill;

/// <summary>
/// Removes what a deleted subscription's backfills left in the tables (keyed by the subscription id): every run's
/// repository rows and the repair index of what was delivered per repository. It cancels a running job first and
/// deletes in the background, so the Api's delete does not wait for a large index.
/// </summary>
public interface IBackfillCleanupGrain : IGrainWithStringKey
{
    /// <summary>Cancels the subscription's backfill and starts removing its rows; a second call while it runs does nothing more.</summary>
    Task Start();
}
