using Jetstream.Storage.Subscriptions;
using Microsoft.Extensions.Logging;

namespace Jetstream.Grains.Backfill;

/// <summary>
/// Brings one run's repositories in: discovered at the relay (every batch held in the processor's memory first; once the
/// whole list is there the hold on everyone ends, and once the processor confirms the list stored they are written
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
    RepoRowWriter rows,
    LiveHandOver handOver,
    BackfillMetrics metrics,
    BackfillOptions options,
    ILogger logger,
    string subscriptionId)
{
    /// <summary>Hold calls the relay's reading runs ahead of: the next page is read while the processor takes a batch.</summary>
    private const int HoldsInFlight = 4;

    private int _resolving;

    /// <summary>
    /// True when the relay's lists were read to their end and every repository they name is pending; false after a
    /// failure or when the processor was activated again between holding the list and storing it (the next tick starts
    /// again: what was held and stored stays held, a hold on everyone not yet removed holds everyone after the reload,
    /// the rows written are not written again). The hold on everyone ends as soon as the list is in the processor's
    /// memory, before its set rows are stored (10,000 of them are 100 transactions, seconds on Azurite, and every live
    /// commit of every other repository waited for them: bench row d); the processor removes the stored hold on everyone
    /// only once they are. No repository is written pending before its set row is stored: its hand-over's removal of
    /// that row, landing before the hold's upsert, would leave the repository held for ever after a reload. A job's silo
    /// dying before the job stores <c>Discovered</c> discovers again.
    /// </summary>
    public async Task<bool> DiscoverAsync(CancellationToken cancellationToken)
    {
        try
        {
            if (await HoldDiscoveredAsync(cancellationToken) is not { } held)
            {
                return false;
            }

            var (discovered, activation) = held;

            await handOver.ReleaseAsync([LiveHandOver.DiscoveryEnded]);
            if (activation is { } holder && !await handOver.StoredAsync(holder))
            {
                BackfillLog.DiscoveryHoldLost(logger, subscriptionId);
                return false;
            }

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

    /// <summary>
    /// The DIDs the relay's lists name that the run does not have yet, each held in the processor's memory, and the
    /// processor activation that holds them all (null if none was listed); null if the run ended meanwhile or the
    /// processor was activated again between two holds.
    /// </summary>
    private async Task<(List<string> Dids, Guid? Activation)?> HoldDiscoveredAsync(CancellationToken cancellationToken)
    {
        var document = (await subscriptions.GetAsync(subscriptionId, cancellationToken))?.Document;
        var discovered = new List<string>();
        var holds = new Queue<Task<Guid?>>();
        var activations = new HashSet<Guid?>();
        await foreach (var batch in RelayDiscovery.NewDidsAsync(source, document is null ? [] : BackfillDiscovery.CollectionsOf(document), run.Contains, cancellationToken))
        {
            if (!isCurrent())
            {
                return null;
            }

            if (holds.Count >= HoldsInFlight)
            {
                activations.Add(await holds.Dequeue());
            }

            holds.Enqueue(handOver.HoldAsync(batch));
            discovered.AddRange(batch);
        }

        foreach (var activation in await Task.WhenAll(holds))
        {
            activations.Add(activation);
        }

        return activations.Count switch
        {
            0 => (discovered, null),
            1 when activations.Single() is { } activation => (discovered, activation),
            _ => null,
        };
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
