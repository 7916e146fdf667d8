using Orleans.Concurrency;

namespace Jetstream.Grains.Interfaces.Backfill;

/// <summary>
/// Backfills one repository for one subscription (key <c>{subscription}/{did}</c>): fetch, verify, walk, queue, and
/// report the outcome to the job. Calls are one-way so the job never waits on a repository; the job sends
/// <see cref="Run"/> again while it waits, which is ignored by an activation that is working on it and restarts the
/// work on a fresh activation (its silo died).
/// </summary>
public interface IBackfillRepoGrain : IGrainWithStringKey
{
    [OneWay]
    Task Run(BackfillRepoWork work);

    /// <summary>
    /// Stops the attempt of run <paramref name="runId"/> and answers how it ended: <c>Stopped</c>, or <c>Done</c> with its
    /// rev when it had shown its records already (so the job hands the repository over with the snapshot's rev). Null
    /// when this activation has no attempt of that run.
    /// </summary>
    Task<BackfillRepoOutcome?> Stop(long runId);

    static string KeyOf(string subscriptionId, string did) => subscriptionId + "/" + did;
}
