using Jetstream.Grains.Interfaces.Backfill;

namespace Jetstream.Grains.Backfill;

/// <summary>
/// Records a repository's outcome for the job: <see cref="OutcomeSettler"/> decides the row, the run's memory takes
/// it at once, and <see cref="RepoRowWriter"/> stores it with others (and hands finished ones over to live); the task
/// completes once it is stored, so a finished repository is never fetched again after a silo's death. One per run
/// (made with the run's memory).
/// </summary>
internal sealed class OutcomeRecorder(OutcomeSettler settler, BackfillRun run, RepoRowWriter rows, long runId)
{
    /// <summary>Settles and sets the row before it returns (the caller may dispatch at once); the task is its storing.</summary>
    public Task RecordAsync(BackfillRepoRow row, BackfillRepoOutcome outcome, string host, DateTimeOffset now)
    {
        var next = settler.Settle(row, outcome, host, now);
        run.Set(next);
        return rows.SaveAsync(next);
    }

    /// <summary>
    /// The answers of the repositories stopped at the run's end: one that showed its records as it was stopped is done,
    /// and is handed over with its snapshot's rev (as one merely stopped, every commit it held would be queued, those
    /// its snapshot holds sent a second time). Stored together.
    /// </summary>
    public Task RecordStoppedAsync(IEnumerable<BackfillRepoOutcome> outcomes, DateTimeOffset now)
    {
        var stored = new List<Task>();
        foreach (var outcome in outcomes.Where(o => o.RunId == runId && o.Result == BackfillRepoResult.Done))
        {
            if (run.Find(outcome.Did) is { IsFinished: false, Host: { } host } row)
            {
                stored.Add(RecordAsync(row, outcome, BackfillRun.HostOf(host), now));
            }
        }

        return Task.WhenAll(stored);
    }
}
