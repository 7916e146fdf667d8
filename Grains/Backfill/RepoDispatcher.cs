using Jetstream.Grains.Interfaces.Backfill;

namespace Jetstream.Grains.Backfill;

/// <summary>
/// The job's second job: sending repositories to their grains and keeping those sends alive. A repository grain's
/// <c>Run</c> is fire-and-forget (the outcome comes back through <see cref="IBackfillJobGrain.Report"/>), so a send
/// lost with a silo is only noticed by not hearing back: each one in flight is sent again after
/// <paramref name="renewal"/> with the same dispatch id, which the grain treats as the same attempt.
/// </summary>
internal sealed class RepoDispatcher(IGrainFactory grains, string subscriptionId, long firstDispatchId, TimeSpan renewal)
{
    private readonly Dictionary<string, InFlight> _inFlight = new(StringComparer.Ordinal);

    // Dispatch ids only need to differ from those of an earlier activation: the caller seeds them from the clock.
    private long _nextDispatch = firstDispatchId;

    /// <summary>
    /// The subscription's collection filter, set by the job whenever it reads the subscription (at start and at its
    /// checks, which also stop the run when the subscription is deleted or paused); nothing is sent before the first.
    /// </summary>
    public string[]? WantedCollections { get; private set; }

    /// <summary>The subscription's generation, which names its repair index (set with the filter).</summary>
    public string? Generation { get; private set; }

    public void Use(string[] wantedCollections, string? generation) => (WantedCollections, Generation) = (wantedCollections, generation);

    /// <summary>Sends every repository the scheduler lets go now.</summary>
    public void Send(BackfillRun run, long runId, DateTimeOffset now)
    {
        if (WantedCollections is not { } collections)
        {
            return;
        }

        foreach (var (did, host) in run.Scheduler.Take(now))
        {
            if (run.Find(did) is not { IsFinished: false } row)
            {
                // Finished by a stale attempt's report while it waited.
                run.Scheduler.Release(host, hostWorked: true);
                continue;
            }

            var work = new BackfillRepoWork(subscriptionId, runId, did, row.Host!, ++_nextDispatch, collections, Generation);
            _inFlight[did] = new InFlight(work, now);
            _ = Grain(did).Run(work);
        }
    }

    /// <summary>Sends again what has not been heard of for a while (its silo may be gone).</summary>
    public void Renew(DateTimeOffset now)
    {
        foreach (var (did, flight) in _inFlight.Where(f => now - f.Value.SentAt >= renewal).ToArray())
        {
            _inFlight[did] = flight with { SentAt = now };
            _ = Grain(did).Run(flight.Work);
        }
    }

    /// <summary>True, and no longer in flight, when the outcome is of the attempt this activation sent.</summary>
    public bool Complete(string did, long dispatchId)
    {
        if (!_inFlight.TryGetValue(did, out var flight) || flight.Work.DispatchId != dispatchId)
        {
            return false;
        }

        _inFlight.Remove(did);
        return true;
    }

    /// <summary>
    /// Stops every repository in flight and gathers how each ended, waiting up to <paramref name="wait"/> (a grain lost
    /// with its silo does not answer): one that showed its records in that instant answers done, with its rev.
    /// </summary>
    public async Task<BackfillRepoOutcome[]> StopAllAsync(long runId, TimeSpan wait)
    {
        var stops = _inFlight.Keys.Select(did => Grain(did).Stop(runId).WaitAsync(wait)).ToArray();
        _inFlight.Clear();
        await ((Task)Task.WhenAll(stops)).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing | ConfigureAwaitOptions.ContinueOnCapturedContext);
        return [.. stops.Where(s => s.IsCompletedSuccessfully && s.Result is not null).Select(s => s.Result!)];
    }

    public void Clear() => _inFlight.Clear();

    private IBackfillRepoGrain Grain(string did) => grains.GetGrain<IBackfillRepoGrain>(IBackfillRepoGrain.KeyOf(subscriptionId, did));

    private sealed record InFlight(BackfillRepoWork Work, DateTimeOffset SentAt);
}
