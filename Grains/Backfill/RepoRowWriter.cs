using Jetstream.Grains.Interfaces.Retries;
using Microsoft.Extensions.Logging;

namespace Jetstream.Grains.Backfill;

/// <summary>
/// A run's outcome rows on their way to <see cref="BackfillRepoTable"/>, gathered: a row waits up to
/// <paramref name="window"/> for others, then all of them go in one table transaction (one partition, 100 a
/// transaction) instead of a request each (bench row b: Azurite's one thread bounds the job, and the rows were one of
/// its eight requests per repository). Once a batch is stored, <paramref name="stored"/> gets it (the job hands the
/// finished repositories over to live in one call), and only then does <see cref="SaveAsync"/> complete: the job answers
/// a repository's report after that, so a finished repository is never fetched again after the job's silo dies (what
/// is not stored was not acknowledged, and its repository grain reports it again). A failed write is tried again on a
/// backoff with the same rows, while the next rows gather. Lives on the job grain's scheduler (one thread): no locks.
/// </summary>
internal sealed class RepoRowWriter(
    BackfillRepoTable table,
    string subscriptionId,
    long runId,
    TimeSpan window,
    Func<IReadOnlyList<BackfillRepoRow>, Task> stored,
    TimeProvider time,
    ILogger logger)
{
    /// <summary>
    /// How long a finished repository's row waits for others: its report and its live commits wait as long, nothing
    /// else does (the job starts the next repository at once).
    /// </summary>
    public static readonly TimeSpan Window = TimeSpan.FromMilliseconds(100);

    private static readonly Backoff Retry = Backoff.Doubling(TimeSpan.FromMilliseconds(500), TimeSpan.FromSeconds(30));
    private readonly Dictionary<string, BackfillRepoRow> _waiting = new(StringComparer.Ordinal);

    // Completed once the rows waiting now are stored (and handed on).
    private TaskCompletionSource? _gathering;
    private Task _writing = Task.CompletedTask;

    /// <summary>Stores <paramref name="row"/> with the others that come within the window; completes once it is stored.</summary>
    public Task SaveAsync(BackfillRepoRow row)
    {
        // A newer row of the same repository in the same window replaces the older: the table keeps the last anyway.
        _waiting[row.Did] = row;
        _gathering ??= new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var done = _gathering.Task;
        if (_writing.IsCompleted)
        {
            _writing = WriteAsync();
        }

        return done;
    }

    /// <summary>Completes once every row given so far is stored.</summary>
    public Task AllStoredAsync() => _gathering?.Task ?? _writing;

    private async Task WriteAsync()
    {
        while (_waiting.Count > 0)
        {
            await Task.Delay(window, time);
            var rows = _waiting.Values.ToList();
            var done = _gathering!;
            _waiting.Clear();
            _gathering = null;
            for (var failures = 0; ; )
            {
                try
                {
                    await table.SaveAsync(subscriptionId, runId, rows);
                    break;
                }
                catch (Exception ex) when (ex is not OutOfMemoryException)
                {
                    BackfillLog.StepFailed(logger, ex, subscriptionId);
                    await Task.Delay(Retry.After(++failures), time);
                }
            }

            await stored(rows);
            done.SetResult();
        }
    }
}
