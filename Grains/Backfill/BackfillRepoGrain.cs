using Jetstream.Grains.Interfaces.Backfill;
using Jetstream.Grains.Interfaces.Retries;
using Microsoft.Extensions.Logging;

namespace Jetstream.Grains.Backfill;

/// <summary>
/// Works on one repository of one subscription wherever Orleans placed it, and reports to the job. Holds nothing
/// durable: the job's table is the record, and the job sends <see cref="Run"/> again while it waits, so an activation
/// lost with its silo is replaced by a fresh one that starts the attempt over (its messages carry the same ids).
/// </summary>
public sealed class BackfillRepoGrain(RepositoryBackfill backfill, TimeProvider time, ILogger<BackfillRepoGrain> logger) : Grain, IBackfillRepoGrain
{
    private const int ReportAttempts = 5;
    private static readonly Backoff ReportBackoff = Backoff.Steps([TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(2), TimeSpan.FromSeconds(3), TimeSpan.FromSeconds(4)]);
    private BackfillRepoWork? _current;
    private Task<BackfillRepoOutcome>? _working;
    private CancellationTokenSource? _stop;
    private (BackfillRepoWork Work, BackfillRepoOutcome Outcome)? _last;

    public Task Run(BackfillRepoWork work)
    {
        if (_current is { } current && current.RunId == work.RunId && current.DispatchId == work.DispatchId)
        {
            return Task.CompletedTask;
        }

        if (_last is { } last && last.Work.RunId == work.RunId && (last.Work.DispatchId == work.DispatchId || IsFinal(last.Outcome)))
        {
            // Finished, but the job asked again: its report may have been lost, or the job lost its silo before storing
            // it (a new dispatch of the same run). Report again, as this dispatch's, rather than read again.
            _ = ReportAsync(work, last.Outcome with { DispatchId = work.DispatchId });
            return Task.CompletedTask;
        }

        _stop?.Cancel();
        _current = work;
        _stop = new CancellationTokenSource();
        // Runs on this activation's scheduler; the call returns at once so Stop and renewals are heard meanwhile.
        _working = AttemptAsync(work, _stop.Token);
        _ = WorkAsync(work, _working);
        return Task.CompletedTask;
    }

    public async Task<BackfillRepoOutcome?> Stop(long runId)
    {
        if (_current?.RunId == runId && _working is { } working)
        {
            // The outcome, not the report: the job waits for this answer and takes no report meanwhile.
            _stop?.Cancel();
            return await working;
        }

        return _last is { } last && last.Work.RunId == runId ? last.Outcome : null;
    }

    private static bool IsFinal(BackfillRepoOutcome outcome) =>
        outcome.Result is BackfillRepoResult.Done or BackfillRepoResult.Skipped or BackfillRepoResult.Invalid;

    private async Task<BackfillRepoOutcome> AttemptAsync(BackfillRepoWork work, CancellationToken stopping)
    {
        try
        {
            return await backfill.RunAsync(work, stopping);
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            return new BackfillRepoOutcome(work.RunId, work.Did, BackfillRepoResult.HostFailed, $"{ex.GetType().Name}: {ex.Message}", 0, 0, null, work.DispatchId);
        }
    }

    private async Task WorkAsync(BackfillRepoWork work, Task<BackfillRepoOutcome> attempt)
    {
        var outcome = await attempt;
        if (_current == work)
        {
            _current = null;
        }

        _last = (work, outcome);
        await ReportAsync(work, outcome);
    }

    private async Task ReportAsync(BackfillRepoWork work, BackfillRepoOutcome outcome)
    {
        for (var attempt = 1; attempt <= ReportAttempts; attempt++)
        {
            try
            {
                await GrainFactory.GetGrain<IBackfillJobGrain>(work.SubscriptionId).Report(outcome);
                return;
            }
            catch (Exception ex) when (attempt < ReportAttempts)
            {
                // The job's silo may be going away; the call activates it elsewhere. If every attempt fails, the job's
                // renewal asks this grain again and the outcome is reported from _last.
                BackfillLog.ReportFailed(logger, ex, work.SubscriptionId, work.Did, attempt);
                await Task.Delay(ReportBackoff.After(attempt), time);
            }
            catch (Exception ex)
            {
                BackfillLog.ReportFailed(logger, ex, work.SubscriptionId, work.Did, attempt);
            }
        }
    }
}
