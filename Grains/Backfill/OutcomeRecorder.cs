using Jetstream.Grains.Interfaces.Backfill;

namespace Jetstream.Grains.Backfill;

/// <summary>
/// Records a repository's outcome for the job: <see cref="OutcomeSettler"/> decides the row, the run's memory takes
/// it, and <see cref="BackfillRepoTable"/> stores it before the caller goes on, so a finished repository is never
/// fetched again after a silo's death. One per run (made with the run's memory).
/// </summary>
internal sealed class OutcomeRecorder(OutcomeSettler settler, BackfillRun run, BackfillRepoTable repos, string subscriptionId, long runId)
{
    public async Task<BackfillRepoRow> RecordAsync(BackfillRepoRow row, BackfillRepoOutcome outcome, string host, DateTimeOffset now)
    {
        var next = settler.Settle(row, outcome, host, now);
        run.Set(next);
        await repos.SaveAsync(subscriptionId, runId, next);
        return next;
    }

    /// <summary>
    /// The answers of the repositories stopped at the run's end: one that showed its records as it was stopped is done,
    /// and is handed over with its snapshot's rev (as one merely stopped, every commit it held would be queued, those
    /// its snapshot holds sent a second time).
    /// </summary>
    public async Task RecordStoppedAsync(IEnumerable<BackfillRepoOutcome> outcomes, DateTimeOffset now)
    {
        foreach (var outcome in outcomes.Where(o => o.RunId == runId && o.Result == BackfillRepoResult.Done))
        {
            if (run.Find(outcome.Did) is { IsFinished: false, Host: { } host } row)
            {
                await RecordAsync(row, outcome, BackfillRun.HostOf(host), now);
            }
        }
    }
}
