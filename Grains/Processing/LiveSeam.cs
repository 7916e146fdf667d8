using Jetstream.Storage;
using Jetstream.Grains.Backfill;
using Jetstream.Grains.Interfaces.Backfill;
using Microsoft.Extensions.Logging;

namespace Jetstream.Grains.Processing;

/// <summary>
/// The processor's side of the hand-over from backfill to live (docs/backfill.md, "The seam with live"). The set of
/// repositories under backfill is in memory, so a live commit asks a hash lookup (<see cref="IsHeld"/>); a held commit
/// is stored in <see cref="HeldEventTable"/> through the sink's line of writes. When a repository's backfill ends, its
/// held commits go to the queue in rev order (those the snapshot holds dropped), and only when none is left or on its
/// way does the DID leave the set, in the same synchronous step as the last check: on the grain's scheduler no commit
/// can come between, so none is lost and none overtakes a held one. Single-threaded: the grain's scheduler.
/// </summary>
public sealed class LiveSeam(
    HeldEventTable table,
    IEventQueueWriter queue,
    Action? written,
    TimeProvider time,
    TimeSpan maxRetryDelay,
    ILogger logger,
    string subscriptionId,
    CancellationToken stopping) : IHeldEventWriter
{
    private readonly HashSet<string> _held = new(StringComparer.Ordinal);
    private readonly Dictionary<string, long> _holdsStarted = new(StringComparer.Ordinal);
    private readonly Dictionary<string, List<Task>> _writing = new(StringComparer.Ordinal);
    private readonly Dictionary<string, Task> _releasing = new(StringComparer.Ordinal);
    private readonly HandedOverRevs _handedOver = new(time);
    private Task? _loaded;
    private bool _holdAll;
    private bool _holdAllEnded;

    /// <summary>The hot path: is <paramref name="did"/> under backfill in the subscription's current run.</summary>
    public bool IsHeld(string did) => _holdAll || (_held.Count > 0 && _held.Contains(did));

    /// <summary>A DID handed over lately (<see cref="HandedOverRevs"/>), whose commits' revs <see cref="InSnapshot"/> compares.</summary>
    public bool WasHandedOver(string did) => _handedOver.Has(did);

    /// <summary>The commit, read after its repository's hand-over, is in the snapshot: it is dropped.</summary>
    public bool InSnapshot(string did, string rev) => _handedOver.Covers(did, rev);

    /// <summary>
    /// Reads the set (and the hand-overs asked for before a silo died, which go on), once: before the first frame, and
    /// before a call changes the set (a release of a DID not loaded yet would be ignored).
    /// </summary>
    public Task LoadAsync() => _loaded ??= RetryAsync("load", async () =>
    {
        foreach (var release in await table.LoadSetAsync(subscriptionId, Add, stopping))
        {
            StartRelease(release);
        }
    });

    /// <summary>
    /// The subscription is stored awaiting its first backfill (<c>AwaitingBackfill</c>): every commit is held, as the
    /// job's hold on everyone (<see cref="HeldRelease.Everyone"/>) does, which the job stores before it clears the mark
    /// and ends when its discovery ends. A document read before a hold on everyone ended in this activation is stale then.
    /// </summary>
    public void AwaitBackfill()
    {
        if (!_holdAllEnded)
        {
            _holdAll = true;
        }
    }

    /// <summary>
    /// In memory first, then stored; once this returns, the job may fetch them. Not the other way round: the reading
    /// loop runs on between this call's awaits (the call itself can be what activated the processor, reading from the
    /// subscription's creation), and a commit read while the set was being stored passed unheld and came again in the
    /// snapshot under its backfill id (the end-to-end test's "delivered under 2 webhook-ids").
    /// </summary>
    public async Task HoldAsync(IReadOnlyCollection<string> dids)
    {
        await LoadAsync();
        foreach (var did in dids)
        {
            Add(did);
        }

        await table.AddToSetAsync(subscriptionId, dids, stopping);
    }

    /// <summary>Records the hand-overs (together) and starts them; they run on after this returns, and again after a silo's death.</summary>
    public async Task ReleaseAsync(IEnumerable<HeldRelease> releases)
    {
        await LoadAsync();
        var marks = new Dictionary<string, HeldRelease>(StringComparer.Ordinal);
        foreach (var release in releases)
        {
            if (release.Did == HeldRelease.Everyone)
            {
                await EndHoldAllAsync();
            }
            else if (_held.Contains(release.Did) && !_releasing.ContainsKey(release.Did))
            {
                marks.TryAdd(release.Did, release);
            }
        }

        await table.MarkReleasingAsync(subscriptionId, marks.Values, stopping);
        foreach (var release in marks.Values)
        {
            StartRelease(release);
        }
    }

    public async Task ReleaseAllAsync(bool drop)
    {
        await LoadAsync();
        await EndHoldAllAsync();
        await ReleaseAsync([.. _held.Select(did => new HeldRelease(did, null, drop))]);
    }

    /// <summary>The subscription is deleted: every held commit goes, nothing is queued.</summary>
    public async Task DropAllAsync()
    {
        await ReleaseAllAsync(drop: true);
        await Task.WhenAll(_releasing.Values).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing | ConfigureAwaitOptions.ContinueOnCapturedContext);
    }

    public async Task WriteAsync(PendingEvent held, string rev, CancellationToken cancellationToken)
    {
        if (held.Event.BlobName is { } blobName)
        {
            await queue.WriteBlobAsync(blobName, held.BlobBody, cancellationToken);
        }

        await table.AddAsync(subscriptionId, held.Event.Did, rev, held.Event, cancellationToken);
    }

    /// <summary>The sink started holding a commit (<paramref name="write"/> ends once it is stored, after its retries).</summary>
    public void Started(string did, Task write)
    {
        _holdsStarted[did] = _holdsStarted.GetValueOrDefault(did) + 1;
        if (!_writing.TryGetValue(did, out var writes))
        {
            _writing[did] = writes = [];
        }

        writes.RemoveAll(w => w.IsCompleted);
        writes.Add(write);
    }

    private void Add(string did)
    {
        if (did == HeldRelease.Everyone)
        {
            _holdAll = true;
        }
        else
        {
            _held.Add(did);
            _handedOver.Remove(did);
        }
    }

    /// <summary>
    /// Discovery ended: the repositories whose commits were held for <see cref="HeldRelease.Everyone"/> and that are not
    /// under backfill join the set (so their next commits wait behind the held ones) in the same synchronous step that
    /// ends the hold on everyone, and are handed over with nothing dropped.
    /// </summary>
    private async Task EndHoldAllAsync()
    {
        _holdAllEnded = true;
        if (!_holdAll)
        {
            return;
        }

        var stored = new HashSet<string>(StringComparer.Ordinal);
        await RetryAsync("list", async () => stored = await table.HeldDidsAsync(subscriptionId, stopping));
        stored.UnionWith(_holdsStarted.Keys);
        stored.ExceptWith(_held);
        _held.UnionWith(stored);
        _holdAll = false;
        BackfillLog.HoldOnEveryoneEnded(logger, subscriptionId, stored.Count);
        HeldRelease[] releases = [.. stored.Select(did => new HeldRelease(did, null))];
        await RetryAsync("mark", () => table.MarkReleasingAsync(subscriptionId, releases, stopping));
        foreach (var release in releases)
        {
            StartRelease(release);
        }

        await RetryAsync("set", () => table.RemoveFromSetAsync(subscriptionId, HeldRelease.Everyone, stopping));
    }

    private void StartRelease(HeldRelease release)
    {
        if (!_releasing.ContainsKey(release.Did))
        {
            _releasing[release.Did] = HandOverAsync(release);
        }
    }

    private async Task HandOverAsync(HeldRelease release)
    {
        var did = release.Did;
        int queued = 0, dropped = 0;
        while (true)
        {
            var seen = _holdsStarted.GetValueOrDefault(did);
            if (_writing.TryGetValue(did, out var writes))
            {
                await Task.WhenAll([.. writes]).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing | ConfigureAwaitOptions.ContinueOnCapturedContext);
            }

            var held = new List<HeldEvent>();
            await RetryAsync("read", async () => held = await table.ReadAsync(subscriptionId, did, stopping));
            var keep = ToQueue(held, release);
            await RetryAsync("queue", () => QueueAsync(keep));
            await RetryAsync("delete", () => table.DeleteAsync(subscriptionId, did, held, stopping));
            queued += keep.Count;
            dropped += held.Count - keep.Count;
            if (_holdsStarted.GetValueOrDefault(did) == seen)
            {
                // Synchronous with the check above: the next commit of this DID goes straight to the queue, after these.
                _held.Remove(did);
                _holdsStarted.Remove(did);
                _writing.Remove(did);
                if (release.SnapshotRev is { } snapshotRev)
                {
                    _handedOver.Add(did, snapshotRev);
                }

                break;
            }
        }

        await RetryAsync("set", () => table.RemoveFromSetAsync(subscriptionId, did, stopping));
        _releasing.Remove(did);
        BackfillLog.HandedOver(logger, subscriptionId, did, queued, dropped, release.SnapshotRev);
    }

    /// <summary>
    /// What of a repository's held commits (read in rev order) goes to the queue: those after the snapshot's rev (the
    /// snapshot holds the rest; TIDs compare as strings), all without a snapshot, none when dropped.
    /// </summary>
    public static List<HeldEvent> ToQueue(IEnumerable<HeldEvent> held, HeldRelease release) =>
        release.Drop ? [] : [.. held.Where(h => release.SnapshotRev is null || string.CompareOrdinal(h.Rev, release.SnapshotRev) > 0)
            .OrderBy(h => h.RowKey, StringComparer.Ordinal)];

    /// <summary>
    /// Queued now, in rev order, stamped after the snapshot's records (queued earlier): the consumer orders a DID's
    /// events by that stamp, then queue order. Ids and bytes are the live ones.
    /// </summary>
    private async Task QueueAsync(List<HeldEvent> held)
    {
        if (held.Count == 0)
        {
            return;
        }

        var packer = MessagePacker.Create(queue.Options);
        var now = time.GetUtcNow();
        for (var i = 0; i < held.Count; i++)
        {
            var e = held[i].Event with { QueuedAt = now.AddTicks(i) };
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

    private async Task RetryAsync(string step, Func<Task> action)
    {
        var backoff = ProcessorBackoff.ForStorage(maxRetryDelay, time);
        while (true)
        {
            try
            {
                await action();
                return;
            }
            catch (Exception ex) when (!stopping.IsCancellationRequested)
            {
                BackfillLog.SeamStepFailed(logger, ex, subscriptionId, step);
                await backoff.WaitAsync(backoff.NextDelay(), stopping);
            }
        }
    }
}
