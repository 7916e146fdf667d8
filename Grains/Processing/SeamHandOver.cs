using Jetstream.Storage;
using Jetstream.Grains.Backfill;
using Jetstream.Grains.Interfaces.Backfill;
using Microsoft.Extensions.Logging;

namespace Jetstream.Grains.Processing;

/// <summary>
/// Hands repositories over from backfill to live once their hand-over is marked (docs/backfill.md, "The seam with
/// live"). A repository that can have held commits (<see cref="HeldRepositories.MayHaveHeld"/>) has its partition read,
/// queued in rev order after the snapshot's rev, deleted, and leaves the set when no new hold started meanwhile. One that
/// cannot leaves at once, in the step that sees so, and the set rows of all such of one call go in transactions of 100:
/// a table request per hundred instead of two per repository (bench rows a/b hold nothing). Single-threaded: the
/// grain's scheduler.
/// </summary>
internal sealed class SeamHandOver(
    HeldRepositories held,
    HeldEventTable table,
    IEventQueueWriter queue,
    Action? written,
    TimeProvider time,
    SeamRetry retry,
    ILogger logger,
    string subscriptionId,
    CancellationToken stopping)
{
    private readonly Dictionary<string, Task> _releasing = new(StringComparer.Ordinal);

    public bool IsReleasing(string did) => _releasing.ContainsKey(did);

    public Task AllAsync() => Task.WhenAll(_releasing.Values);

    /// <summary>Starts the hand-overs (marked already); they run on after this returns.</summary>
    public void Start(IEnumerable<HeldRelease> releases)
    {
        var left = new HashSet<string>(StringComparer.Ordinal);
        foreach (var release in releases)
        {
            if (_releasing.ContainsKey(release.Did) || left.Contains(release.Did))
            {
                continue;
            }

            if (!held.MayHaveHeld(release.Did) && held.TryLeave(release.Did, 0, release.SnapshotRev))
            {
                left.Add(release.Did);
            }
            else
            {
                _releasing[release.Did] = HandOverAsync(release);
            }
        }

        if (left.Count == 0)
        {
            return;
        }

        // Gone from the set in memory already; they count as releasing until their rows are removed, so that a deleted
        // subscription's processor waits for those too (AllAsync).
        var removal = RemoveFromSetAsync(left);
        if (!removal.IsCompleted)
        {
            foreach (var did in left)
            {
                _releasing[did] = removal;
            }
        }
    }

    /// <summary>
    /// What of a repository's held commits (read in rev order) goes to the queue: those after the snapshot's rev (the
    /// snapshot holds the rest; TIDs compare as strings), all without a snapshot, none when dropped.
    /// </summary>
    public static List<HeldEvent> ToQueue(IEnumerable<HeldEvent> held, HeldRelease release) =>
        release.Drop ? [] : [.. held.Where(h => release.SnapshotRev is null || string.CompareOrdinal(h.Rev, release.SnapshotRev) > 0)
            .OrderBy(h => h.RowKey, StringComparer.Ordinal)];

    private async Task RemoveFromSetAsync(HashSet<string> dids)
    {
        await retry.RunAsync("set", () => table.RemoveFromSetAsync(subscriptionId, dids, stopping));
        foreach (var did in dids)
        {
            _releasing.Remove(did);
        }

        BackfillLog.HandedOverNothingHeld(logger, subscriptionId, dids.Count);
    }

    private async Task HandOverAsync(HeldRelease release)
    {
        var did = release.Did;
        int queued = 0, dropped = 0;
        while (true)
        {
            var seen = held.HoldsStarted(did);
            await held.WritesAsync(did).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing | ConfigureAwaitOptions.ContinueOnCapturedContext);
            var commits = new List<HeldEvent>();
            await retry.RunAsync("read", async () => commits = await table.ReadAsync(subscriptionId, did, stopping));
            var keep = ToQueue(commits, release);
            await retry.RunAsync("queue", () => QueueAsync(keep));
            await retry.RunAsync("delete", () => table.DeleteAsync(subscriptionId, did, commits, stopping));
            queued += keep.Count;
            dropped += commits.Count - keep.Count;
            if (held.TryLeave(did, seen, release.SnapshotRev))
            {
                break;
            }
        }

        await retry.RunAsync("set", () => table.RemoveFromSetAsync(subscriptionId, did, stopping));
        _releasing.Remove(did);
        BackfillLog.HandedOver(logger, subscriptionId, did, queued, dropped, release.SnapshotRev);
    }

    /// <summary>
    /// Queued now, in rev order, stamped after the snapshot's records (queued earlier): the consumer orders a DID's
    /// events by that stamp, then queue order. Ids and bytes are the live ones.
    /// </summary>
    private async Task QueueAsync(List<HeldEvent> commits)
    {
        if (commits.Count == 0)
        {
            return;
        }

        var packer = MessagePacker.Create(queue.Options);
        var now = time.GetUtcNow();
        for (var i = 0; i < commits.Count; i++)
        {
            var e = commits[i].Event with { QueuedAt = now.AddTicks(i) };
            if (!packer.TryAdd(e))
            {
                await queue.WriteAsync([], packer.Finish(), stopping);
                packer.TryAdd(e);
            }
        }

        // Large events' blobs were written when they were held: no blob is written again here.
        await queue.WriteAsync([], packer.Finish(), stopping);
        written?.Invoke();
    }
}
