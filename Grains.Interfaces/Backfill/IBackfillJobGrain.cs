using Orleans.Concurrency;

namespace Jetstream.Grains.Interfaces.Backfill;

/// <summary>
/// One subscription's backfill (keyed by the subscription id): finds the repositories, hands each to an
/// <see cref="IBackfillRepoGrain"/> under the global and per-host limits, and records every repository's outcome, so a
/// job survives the death of its silo and never fetches a finished repository again (docs/backfill.md).
/// </summary>
public interface IBackfillJobGrain : IGrainWithStringKey
{
    /// <summary>Starts a run over <paramref name="dids"/> (null: discover them from the subscription); refused while one runs.</summary>
    Task<BackfillStartResult> Start(string[]? dids);

    /// <summary>
    /// The first backfill of a subscription created with <c>"backfill": true</c>: starts a run as <see cref="Start"/>
    /// with null does, unless the subscription is no longer marked awaiting it (one was started for it already), then
    /// <see cref="BackfillStartRefusal.AlreadyStarted"/>. The Api and the processor (which starts it when the Api died
    /// before it could) both ask this way: the mark is read and cleared in the job's one turn, so they never make two runs.
    /// </summary>
    Task<BackfillStartResult> StartAwaited();

    /// <summary>The current or last run; null if none ever ran.</summary>
    [AlwaysInterleave]
    Task<BackfillStatus?> GetStatus();

    /// <summary>Stops the run: no repository is started any more, those in flight are told to stop. Null if none ever ran.</summary>
    Task<BackfillStatus?> Cancel(string reason);

    /// <summary>The number of the last run (0: none ever ran); the runs of a subscription created again go on from it.</summary>
    [AlwaysInterleave]
    Task<long> LastRun();

    /// <summary>
    /// A repository grain's outcome for run <see cref="BackfillRepoOutcome.RunId"/>; outcomes of other runs are ignored.
    /// Answered once the outcome is stored; interleaved, so that the outcomes of many repositories wait for one table
    /// transaction together.
    /// </summary>
    [AlwaysInterleave]
    Task Report(BackfillRepoOutcome outcome);
}
