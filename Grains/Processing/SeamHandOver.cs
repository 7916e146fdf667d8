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
/// a table request per hundred instead of two per repository (bench rows a/b hold nothing). The repositories whose
/// commits were held for the hold on everyone go together (<see cref="StartTogether"/>). Set rows are removed through
/// <see cref="SetRowWrites"/>, issued in the step that leaves, so a new hold's row issued later lands after the removal;
/// those of a hand-over at a snapshot rev only once it is some minutes old (<see cref="KeptSetRows"/>), so an activation
/// after a silo's death resumes it and knows the rev again. Single-threaded: the grain's scheduler.
/// </summary>
internal sealed class SeamHandOver(
    HeldRepositories held,
    HeldEventTable table,
    SetRowWrites setRows,
    KeptSetRows kept,
    IEventQueueWriter queue,
    Action? written,
    TimeProvider time,
    SeamRetry retry,
    ILogger logger,
    string subscriptionId,
    CancellationToken stopping)
{
    private readonly Dictionary<string, HandOver> _releasing = new(StringComparer.Ordinal);

    public bool IsReleasing(string did) => _releasing.ContainsKey(did);

    /// <summary>The hand-over of <paramref name="did"/> still running, if any.</summary>
    public Task? Releasing(string did) => _releasing.TryGetValue(did, out var handOver) ? handOver.Task : null;

    /// <summary>
    /// Ends when no hand-over runs, those started while it waits included (a repository held again during its
    /// hand-over goes round on a new one); a failed hand-over's error is thrown once all have ended.
    /// </summary>
    public async Task AllAsync()
    {
        while (_releasing.Values.Where(h => !h.Task.IsCompleted).Distinct().ToList() is { Count: > 0 } running)
        {
            await Task.WhenAll(running.Select(h => h.Task)).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing | ConfigureAwaitOptions.ContinueOnCapturedContext);
        }

        await Task.WhenAll(_releasing.Values.Distinct().Select(h => h.Task));
    }

    /// <summary>Starts the hand-overs (marked already); they run on after this returns.</summary>
    public void Start(IEnumerable<HeldRelease> releases)
    {
        var left = new List<string>();
        var keep = new List<string>();
        var leaving = new HashSet<string>(StringComparer.Ordinal);
        foreach (var release in releases)
        {
            if (_releasing.ContainsKey(release.Did) || leaving.Contains(release.Did))
            {
                continue;
            }

            if (!held.MayHaveHeld(release.Did) && held.TryLeave(release.Did, 0, release.SnapshotRev))
            {
                leaving.Add(release.Did);
                if (!held.Contains(release.Did))
                {
                    (Keeps(release) ? keep : left).Add(release.Did);
                }
            }
            else
            {
                Track([release.Did], handOver => HandOverAsync(release, handOver));
            }
        }

        kept.Keep(keep);
        if (left.Count > 0)
        {
            // Gone from the set in memory already; they count as releasing until their rows are removed, so that a deleted
            // subscription's processor waits for those too (AllAsync).
            Track(left, handOver => RemoveFromSetAsync(left, handOver));
        }
    }

    /// <summary>
    /// The hold on everyone ended: the repositories whose commits it held (and that are not under backfill) are handed
    /// over together, nothing dropped. One range read of the subscription's held rows instead of one per repository,
    /// their commits queued in few messages (each repository's in rev order), deleted per partition; each repository
    /// leaves in the synchronous step that sees no new hold of it started (one that did goes round on its own). Their
    /// set rows are the marks (<paramref name="dids"/> were marked through <see cref="SetRowWrites"/> first), removed
    /// after them.
    /// </summary>
    public void StartTogether(IReadOnlyCollection<string> dids)
    {
        if (dids.Count > 0)
        {
            Track(dids, handOver => HandOverTogetherAsync(dids, handOver));
        }
    }

    /// <summary>
    /// What of a repository's held commits (read in rev order) goes to the queue: those after the snapshot's rev (the
    /// snapshot holds the rest; TIDs compare as strings), all without a snapshot, none when dropped.
    /// </summary>
    public static List<HeldEvent> ToQueue(IEnumerable<HeldEvent> held, HeldRelease release) =>
        release.Drop ? [] : [.. held.Where(h => release.SnapshotRev is null || string.CompareOrdinal(h.Rev, release.SnapshotRev) > 0)
            .OrderBy(h => h.RowKey, StringComparer.Ordinal)];

    /// <summary>
    /// A hand-over at a snapshot rev keeps its set row, marked with the rev, for a while (<see cref="KeptSetRows"/>);
    /// one without a rev or dropped has nothing to remember and removes it.
    /// </summary>
    private static bool Keeps(HeldRelease release) => release.SnapshotRev is not null && !release.Drop;

    private void Track(IReadOnlyCollection<string> dids, Func<HandOver, Task> run)
    {
        var handOver = new HandOver();
        foreach (var did in dids)
        {
            _releasing[did] = handOver;
        }

        handOver.Task = run(handOver);
    }

    /// <summary>Only its own entry: a repository handed on to a hand-over of its own has that one's.</summary>
    private void Done(string did, HandOver handOver)
    {
        if (_releasing.TryGetValue(did, out var current) && current == handOver)
        {
            _releasing.Remove(did);
            held.HandOverEnded(did);
        }
    }

    private async Task RemoveFromSetAsync(List<string> dids, HandOver handOver)
    {
        await setRows.Write(dids, () => retry.RunAsync("set", () => table.RemoveFromSetAsync(subscriptionId, dids, stopping)));
        foreach (var did in dids)
        {
            Done(did, handOver);
        }

        BackfillLog.HandedOverNothingHeld(logger, subscriptionId, dids.Count);
    }

    private async Task HandOverAsync(HeldRelease release, HandOver handOver)
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

        // Held again by a new run meanwhile: the set row is that hold's now.
        if (!held.Contains(did) && Keeps(release))
        {
            kept.Keep([did]);
        }
        else if (!held.Contains(did))
        {
            await setRows.Write([did], () => retry.RunAsync("set", () => table.RemoveFromSetAsync(subscriptionId, did, stopping)));
        }

        Done(did, handOver);
        BackfillLog.HandedOver(logger, subscriptionId, did, queued, dropped, release.SnapshotRev);
    }

    private async Task HandOverTogetherAsync(IReadOnlyCollection<string> dids, HandOver handOver)
    {
        var seen = dids.ToDictionary(did => did, held.HoldsStarted, StringComparer.Ordinal);
        await Task.WhenAll(dids.Select(held.WritesAsync)).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing | ConfigureAwaitOptions.ContinueOnCapturedContext);
        var stored = new Dictionary<string, List<HeldEvent>>();
        await retry.RunAsync("read", async () => stored = await table.ReadAllAsync(subscriptionId, stopping));
        // Rows of repositories under backfill are in the same range: they wait for their own hand-overs.
        List<(string Did, List<HeldEvent> Commits)> commits = [.. dids.Where(stored.ContainsKey).Select(did => (did, stored[did]))];
        await retry.RunAsync("queue", () => QueueAsync([.. commits.SelectMany(c => c.Commits)]));
        await retry.RunAsync("delete", () => Task.WhenAll(commits.Select(c => table.DeleteAsync(subscriptionId, c.Did, c.Commits, stopping))));
        var left = new List<string>();
        foreach (var did in dids)
        {
            if (!held.TryLeave(did, seen[did], null))
            {
                // A commit of it was held since the read: it goes round on its own, as any hand-over.
                Track([did], next => HandOverAsync(new HeldRelease(did, held.HandedOverRev(did)), next));
            }
            else if (held.Contains(did))
            {
                Done(did, handOver);
            }
            else if (held.HandedOverRev(did) is not null)
            {
                // Handed over at a snapshot lately (its mark kept that rev): its row is kept as that hand-over's was.
                kept.Keep([did]);
                Done(did, handOver);
            }
            else
            {
                left.Add(did);
            }
        }

        if (left.Count > 0)
        {
            await setRows.Write(left, () => retry.RunAsync("set", () => table.RemoveFromSetAsync(subscriptionId, left, stopping)));
        }

        foreach (var did in left)
        {
            Done(did, handOver);
        }

        foreach (var (did, rows) in commits)
        {
            BackfillLog.HandedOver(logger, subscriptionId, did, rows.Count, 0, null);
        }
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

    private sealed class HandOver
    {
        public Task Task { get; set; } = Task.CompletedTask;
    }
}
