using Jetstream.Grains.Interfaces.Backfill;
using Microsoft.Extensions.Logging;

namespace Jetstream.Grains.Backfill;

/// <summary>
/// Decides what one attempt's outcome makes of its repository: finished (done, skipped, failed), or back in line,
/// its host parked until the server's time (429) or for a backoff (a failing host, until <c>Backfill:MaxAttempts</c>).
/// The one place that turns outcomes into rows and parkings.
/// </summary>
internal sealed class OutcomeSettler(BackfillScheduler scheduler, BackfillOptions options, BackfillMetrics metrics, ILogger logger, string subscriptionId)
{
    public BackfillRepoRow Settle(BackfillRepoRow row, BackfillRepoOutcome outcome, string host, DateTimeOffset now)
    {
        var next = outcome.Result switch
        {
            BackfillRepoResult.Done => row with { State = BackfillRepoRow.Done, Records = outcome.Records, Bytes = outcome.Bytes, Reason = null, Rev = outcome.Rev },
            BackfillRepoResult.Skipped => row with { State = BackfillRepoRow.Skipped, Reason = outcome.Reason },
            BackfillRepoResult.Invalid => row with { State = BackfillRepoRow.Failed, Reason = outcome.Reason },
            BackfillRepoResult.RateLimited => Park(row, host, outcome.RetryAfter ?? now + TimeSpan.FromMilliseconds(options.InitialRetryDelayMs)),
            BackfillRepoResult.HostFailed => Retry(row, host, outcome.Reason, now),
            _ => Requeue(row, host),
        };
        if (next.IsFinished)
        {
            metrics.RepoFinished(next.State);
            if (next.State != BackfillRepoRow.Done)
            {
                BackfillLog.RepoProblem(logger, subscriptionId, next.Did, next.State, next.Reason ?? string.Empty);
            }
        }

        return next;
    }

    private BackfillRepoRow Park(BackfillRepoRow row, string host, DateTimeOffset until)
    {
        scheduler.Park(host, until);
        metrics.HostParked("rate_limited");
        BackfillLog.HostParked(logger, subscriptionId, host, until, "429");
        return Requeue(row, host);
    }

    private BackfillRepoRow Retry(BackfillRepoRow row, string host, string? reason, DateTimeOffset now)
    {
        var attempts = row.Attempts + 1;
        if (attempts >= options.MaxAttempts)
        {
            return row with { State = BackfillRepoRow.Failed, Attempts = attempts, Reason = $"{reason} (after {attempts} attempts)" };
        }

        var delay = scheduler.BackOff(host, now);
        metrics.HostParked("failing");
        BackfillLog.HostParked(logger, subscriptionId, host, now + delay, reason ?? "failed");
        return Requeue(row with { Attempts = attempts, Reason = reason }, host);
    }

    private BackfillRepoRow Requeue(BackfillRepoRow row, string host)
    {
        scheduler.Enqueue(row.Did, host);
        return row;
    }
}
