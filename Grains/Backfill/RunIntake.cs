using Jetstream.Storage.Subscriptions;
using Microsoft.Extensions.Logging;

namespace Jetstream.Grains.Backfill;

/// <summary>
/// Brings one run's repositories in: discovered at the relay (each batch held at the processor first, then written
/// pending, so none is fetched before its live commits wait), and each DID's PDS resolved, a few at a time. Lives on
/// the job grain's scheduler; <paramref name="isCurrent"/> says whether the run is still the job's running one, and
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
    LiveHandOver handOver,
    BackfillMetrics metrics,
    BackfillOptions options,
    ILogger logger,
    string subscriptionId)
{
    private int _resolving;

    /// <summary>True when the relay's lists were read to their end; false after a failure (the next tick starts again).</summary>
    public async Task<bool> DiscoverAsync(CancellationToken cancellationToken)
    {
        var document = (await subscriptions.GetAsync(subscriptionId, cancellationToken))?.Document;
        try
        {
            await foreach (var batch in RelayDiscovery.NewDidsAsync(source, document is null ? [] : BackfillDiscovery.CollectionsOf(document), run.Contains, cancellationToken))
            {
                await AddDiscoveredAsync(batch);
            }
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            // DIDs already added are not added twice.
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

    private async Task AddDiscoveredAsync(List<string> dids)
    {
        if (dids.Count == 0 || !isCurrent())
        {
            return;
        }

        await handOver.HoldAsync(dids);
        await repos.AddPendingAsync(subscriptionId, runId, dids);
        AddPending(dids);
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
            // Only an outcome is written: a PDS found is kept in memory (a job that lost its silo looks it up again),
            // which saves a table request per repository (bench row b).
            await repos.SaveAsync(subscriptionId, runId, next);
            metrics.RepoFinished(next.State);
            await handOver.ReleaseAsync([LiveHandOver.For(next)]);
        }

        ResolveMore();
        dispatch();
    }
}
