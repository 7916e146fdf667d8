using Jetstream.Storage.Subscriptions;
using Microsoft.Extensions.Logging;

namespace Jetstream.Grains.Backfill;

/// <summary>
/// Brings one run's repositories in: discovered at the relay (every batch held at the processor first, then, once the
/// whole list is held and the hold on everyone has ended, written pending, so none is fetched before its live commits
/// wait), and each DID's PDS resolved, a few at a time. Lives on the job grain's scheduler; <paramref name="isCurrent"/> says whether the run is still the job's running one, and
/// <paramref name="dispatch"/> sends resolved repositories to work at once (not at the next tick, which held a job to
/// <c>ResolveConcurrency</c> repositories a second: bench row b).
/// </summary>
internal sealed class RunIntake(
    long runId,
    Func<bool> isCurrent,
    Action dispatch,
    BackfillRun run,
    IRepositorySource source,
    SubscriptionStore subscriptions,
    BackfillRepoTable repos,
    RepoRowWriter rows,
    LiveHandOver handOver,
    BackfillMetrics metrics,
    BackfillOptions options,
    ILogger logger,
    string subscriptionId)
{
    /// <summary>Hold calls the relay's reading runs ahead of: the next page is read while the processor stores a batch.</summary>
    private const int HoldsInFlight = 4;

    private int _resolving;

    /// <summary>
    /// True when the relay's lists were read to their end and every repository they name is pending; false after a
    /// failure (the next tick starts again: what was held stays held, the rows written are not written again). The hold
    /// on everyone ends as soon as every repository discovered is held at the processor, before their pending rows are
    /// written: at 10,000 repositories the live commits of every other repository waited seconds for those transactions
    /// (bench row d). A silo's death before the job stores <c>Discovered</c> discovers again.
    /// </summary>
    public async Task<bool> DiscoverAsync(CancellationToken cancellationToken)
    {
        try
        {
            if (await HoldDiscoveredAsync(cancellationToken) is not { } discovered)
            {
                return false;
            }

            await handOver.ReleaseAsync([LiveHandOver.DiscoveryEnded]);
            foreach (var batch in discovered.Chunk(RelayDiscovery.BatchSize))
            {
                if (!isCurrent())
                {
                    return false;
                }

                // Each batch is resolved and started once written: the first repositories do not wait for the last rows.
                await repos.AddPendingAsync(subscriptionId, runId, batch);
                AddPending(batch);
                ResolveMore();
            }
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            BackfillLog.DiscoveryFailed(logger, ex, subscriptionId);
            return false;
        }

        return true;
    }

    /// <summary>Starts resolving pending repositories, up to <c>Backfill:ResolveConcurrency</c> at once.</summary>
    public void ResolveMore()
    {
        while (_resolving < options.ResolveConcurrency && run.TryTakeUnresolved(out var did))
        {
            if (run.Find(did) is not { IsFinished: false })
            {
                // Finished while it waited: a stale attempt's report after a silo's death needs no PDS.
                continue;
            }

            _resolving++;
            _ = ResolveAsync(did);
        }
    }

    public void AddPending(IEnumerable<string> dids)
    {
        foreach (var did in dids)
        {
            run.Place(new BackfillRepoRow(did, BackfillRepoRow.Pending, null, 0, null, 0, 0));
        }
    }

    /// <summary>The DIDs the relay's lists name that the run does not have yet, each held (stored) at the processor; null if the run ended meanwhile.</summary>
    private async Task<List<string>?> HoldDiscoveredAsync(CancellationToken cancellationToken)
    {
        var document = (await subscriptions.GetAsync(subscriptionId, cancellationToken))?.Document;
        var discovered = new List<string>();
        var holds = new Queue<Task>();
        await foreach (var batch in RelayDiscovery.NewDidsAsync(source, document is null ? [] : BackfillDiscovery.CollectionsOf(document), run.Contains, cancellationToken))
        {
            if (!isCurrent())
            {
                return null;
            }

            if (holds.Count >= HoldsInFlight)
            {
                await holds.Dequeue();
            }

            holds.Enqueue(handOver.HoldAsync(batch));
            discovered.AddRange(batch);
        }

        await Task.WhenAll(holds);
        return discovered;
    }

    private async Task ResolveAsync(string did)
    {
        BackfillRepoRow next;
        try
        {
            next = await PdsResolution.ResolveAsync(source, run.Find(did)!, options.MaxAttempts);
        }
        finally
        {
            _resolving--;
        }

        if (!isCurrent())
        {
            return;
        }

        if (run.Find(did) is { IsFinished: true })
        {
            // A stale attempt's report finished it during the lookup: placing the looked-up row would fetch it again.
            ResolveMore();
            return;
        }

        run.Place(next);
        if (next.IsFinished)
        {
            // Only an outcome is written (gathered with others, and handed over once stored): a PDS found is kept in
            // memory (a job that lost its silo looks it up again), which saves a table request per repository (bench row b).
            metrics.RepoFinished(next.State);
            ResolveMore();
            await rows.SaveAsync(next);
            return;
        }

        ResolveMore();
        dispatch();
    }
}
