using Jetstream.Grains.Interfaces;
using Jetstream.Grains.Interfaces.Backfill;
using Microsoft.Extensions.Logging;

namespace Jetstream.Grains.Backfill;

/// <summary>
/// The job's side of the seam with live (the processor's is <see cref="Processing.LiveSeam"/>): the processor is told
/// which repositories to hold, and confirms they are stored, before any of them can be fetched; each is handed over as it ends. A hand-over the
/// processor could not take is asked for again at the next tick and when the run ends; asking twice is harmless.
/// </summary>
internal sealed class LiveHandOver(IGrainFactory grains, string subscriptionId, ILogger logger)
{
    private const int CallSize = 1000;
    private const int StoreAttempts = 3;
    private readonly List<HeldRelease> _failed = [];

    private IJetstreamProcessorGrain Processor => grains.GetGrain<IJetstreamProcessorGrain>(subscriptionId);

    /// <summary>
    /// Holds the repositories in the processor's memory (their set rows are stored in the background); returns the
    /// processor's activation that took them all, or null if it changed between the calls (the holds of the first may
    /// be lost). Throws if the processor did not take them.
    /// </summary>
    public async Task<Guid?> HoldAsync(IReadOnlyCollection<string> dids)
    {
        Guid? activation = null;
        foreach (var chunk in dids.Chunk(CallSize))
        {
            var took = await Processor.HoldForBackfill(chunk);
            if (activation is { } first && first != took)
            {
                return null;
            }

            activation = took;
        }

        return activation;
    }

    /// <summary>Whether what <paramref name="activation"/> held is stored; false if the processor was activated again since.</summary>
    public Task<bool> StoredAsync(Guid activation) => Processor.HoldStored(activation);

    /// <summary>
    /// A run's hold, before any of its repositories can be fetched: the listed DIDs, or everyone while discovery runs;
    /// stored before this returns (held again if the processor was activated again meanwhile). A subscription created
    /// with <c>"backfill": true</c> was held whole by its processor (the mark, <paramref name="clearAwaitingMark"/>):
    /// once this hold is stored the mark goes, and a run of listed DIDs ends the hold on everyone (the commits it held of
    /// other repositories are queued).
    /// </summary>
    public async Task HoldForRunAsync(string[]? listed, Func<Task>? clearAwaitingMark)
    {
        await HoldStoredAsync(listed ?? [HeldRelease.Everyone]);
        if (clearAwaitingMark is not null)
        {
            await clearAwaitingMark();
            if (listed is not null)
            {
                await ReleaseAsync([DiscoveryEnded]);
            }
        }
    }

    /// <summary>A finished repository's hand-over: done drops the held commits its snapshot holds; skipped or failed drops none.</summary>
    public static HeldRelease DiscoveryEnded { get; } = new(HeldRelease.Everyone, null);

    public static HeldRelease For(BackfillRepoRow row) => new(row.Did, row.State == BackfillRepoRow.Done ? row.Rev : null);

    public async Task ReleaseAsync(IEnumerable<HeldRelease> releases)
    {
        foreach (var chunk in releases.Chunk(CallSize))
        {
            try
            {
                await Processor.ReleaseHeld(chunk);
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                BackfillLog.StepFailed(logger, ex, subscriptionId);
                _failed.AddRange(chunk);
            }
        }
    }

    public Task RetryFailedAsync()
    {
        if (_failed.Count == 0)
        {
            return Task.CompletedTask;
        }

        var again = _failed.ToArray();
        _failed.Clear();
        return ReleaseAsync(again);
    }

    /// <summary>
    /// The run ended: every finished repository is handed over again (in case a hand-over was lost), then, for a
    /// cancelled run, every repository still held, all its commits queued. A deleted subscription's processor drops
    /// its held commits itself (calling it would only activate it again).
    /// </summary>
    private async Task HoldStoredAsync(IReadOnlyCollection<string> dids)
    {
        for (var attempt = 0; attempt < StoreAttempts && dids.Count > 0; attempt++)
        {
            if (await HoldAsync(dids) is { } activation && await StoredAsync(activation))
            {
                return;
            }
        }

        if (dids.Count == 0)
        {
            return;
        }

        throw new InvalidOperationException($"The processor of '{subscriptionId}' was activated again {StoreAttempts} times while it stored a backfill's hold.");
    }

    public async Task EndAsync(IEnumerable<BackfillRepoRow> rows, bool cancelled, bool deleted)
    {
        _failed.Clear();
        if (deleted)
        {
            return;
        }

        await ReleaseAsync([DiscoveryEnded, .. rows.Where(r => r.IsFinished).Select(For)]);
        try
        {
            if (cancelled)
            {
                await Processor.ReleaseHeld(null);
            }
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            // They stay held, nothing lost: a later run of the subscription hands its repositories over at its end.
            BackfillLog.StepFailed(logger, ex, subscriptionId);
        }
    }
}
