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
/// can come between, so none is lost and none overtakes a held one. What it knows in memory is
/// <see cref="HeldRepositories"/>, the hand-overs are <see cref="SeamHandOver"/>'s, the set rows go through
/// <see cref="SetRowWrites"/>, those of hand-overs at a snapshot rev kept a while (<see cref="KeptSetRows"/>). Single-threaded: the grain's scheduler.
/// </summary>
public sealed class LiveSeam : IHeldEventWriter
{
    private readonly HeldEventTable _table;
    private readonly IEventQueueWriter _queue;
    private readonly ILogger _logger;
    private readonly string _subscriptionId;
    private readonly CancellationToken _stopping;
    private readonly HeldRepositories _held;
    private readonly SeamRetry _retry;
    private readonly SeamHandOver _handOver;
    private readonly SetRowWrites _setRows = new();
    private readonly KeptSetRows _kept;
    private readonly Guid _activation = Guid.NewGuid();
    private Task? _loaded;
    private bool _holdAll;
    private bool _holdAllEnded;

    public LiveSeam(
        HeldEventTable table,
        IEventQueueWriter queue,
        Action? written,
        TimeProvider time,
        TimeSpan maxRetryDelay,
        ILogger logger,
        string subscriptionId,
        CancellationToken stopping,
        TimeSpan? keepHandedOver = null)
    {
        _table = table;
        _queue = queue;
        _logger = logger;
        _subscriptionId = subscriptionId;
        _stopping = stopping;
        _held = new HeldRepositories(time);
        _retry = new SeamRetry(time, maxRetryDelay, logger, subscriptionId, stopping);
        _kept = new KeptSetRows(_setRows, dids => _retry.RunAsync("set", () => _table.RemoveFromSetAsync(_subscriptionId, dids, _stopping)),
            time, keepHandedOver ?? HandedOverRevs.Window, stopping);
        _handOver = new SeamHandOver(_held, table, _setRows, _kept, queue, written, time, _retry, logger, subscriptionId, stopping);
    }

    /// <summary>The hot path: is <paramref name="did"/> under backfill in the subscription's current run.</summary>
    public bool IsHeld(string did) => _holdAll || _held.Contains(did);

    /// <summary>A DID handed over lately (<see cref="HandedOverRevs"/>), whose commits' revs <see cref="InSnapshot"/> compares.</summary>
    public bool WasHandedOver(string did) => _held.WasHandedOver(did);

    /// <summary>The commit, read after its repository's hand-over, is in the snapshot: it is dropped.</summary>
    public bool InSnapshot(string did, string rev) => _held.InSnapshot(did, rev);

    /// <summary>
    /// Reads the set (and the hand-overs asked for before a silo died, which go on), once: before the first frame, and
    /// before a call changes the set (a release of a DID not loaded yet would be ignored). With it, which repositories
    /// have held commits stored (one range query): a hand-over reads a repository's partition only if this activation
    /// held a commit of it or one was stored before, and without this list the commits an earlier activation held
    /// would never be read.
    /// </summary>
    public Task LoadAsync() => _loaded ??= _retry.RunAsync("load", async () =>
    {
        var stored = _table.HeldDidsAsync(_subscriptionId, _stopping);
        var releases = _table.LoadSetAsync(_subscriptionId, Add, _stopping);
        await Task.WhenAll(stored, releases);
        _held.Stored(await stored);
        _handOver.Start(await releases);
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
    /// In memory at once, stored in the background; returns this activation, which <see cref="StoredAsync"/> asks
    /// about. In memory first: the reading loop runs on between the call's awaits (the call itself can be what activated
    /// the processor, reading from the subscription's creation), and a commit read while the set was being stored passed
    /// unheld and came again in the snapshot under its backfill id (the end-to-end test's "delivered under 2
    /// webhook-ids"). Not waiting for the store: at 10,000 repositories the set rows are 100 transactions, seconds on
    /// Azurite, and the hold on everyone can end once the list is here (bench row d). A repository whose last run's
    /// hand-over is still running is held again (<see cref="HeldRepositories.HoldAgain"/>): that hand-over leaves it held.
    /// </summary>
    public async Task<Guid> HoldAsync(IReadOnlyCollection<string> dids)
    {
        await LoadAsync();
        foreach (var did in dids)
        {
            if (_handOver.IsReleasing(did))
            {
                _held.HoldAgain(did);
            }

            Add(did);
        }

        // Off the grain's scheduler: building ten transactions of 100 rows ran on this turn before the first await, and
        // each hold call of a discovery took ~70 ms to answer (bench row d: the last holds in flight decided when the
        // hold on everyone ended). The store touches no state of the grain's.
        _ = _setRows.Write(dids, () => Task.Run(() => _retry.RunAsync("hold", () => _table.AddToSetAsync(_subscriptionId, dids, _stopping))));
        return _activation;
    }

    /// <summary>
    /// True once every hold this activation took before the call is stored (and the stored hold on everyone removed, if
    /// it ended); false if <paramref name="activation"/> is not this one (the processor was deactivated or its silo died
    /// since those holds: what they held in memory is gone, their rows may be missing) or it is stopping. The job
    /// writes a repository pending only after this: a hand-over's removal of a set row the hold's upsert then overtook
    /// would leave the repository held for ever after a reload.
    /// </summary>
    public async Task<bool> StoredAsync(Guid activation)
    {
        if (activation != _activation)
        {
            return false;
        }

        await _setRows.InFlight().ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing | ConfigureAwaitOptions.ContinueOnCapturedContext);
        return !_stopping.IsCancellationRequested;
    }

    /// <summary>Records the hand-overs (together) and starts them; they run on after this returns, and again after a silo's death.</summary>
    public async Task ReleaseAsync(IEnumerable<HeldRelease> releases)
    {
        await LoadAsync();
        HeldRelease[] asked = [.. releases];
        // Held again by a new run while its last run's hand-over was running: this is the new run's, after that one.
        var before = asked.Where(r => _held.IsHeldAgain(r.Did)).Select(r => _handOver.Releasing(r.Did)).OfType<Task>().ToArray();
        await Task.WhenAll(before).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing | ConfigureAwaitOptions.ContinueOnCapturedContext);
        var marks = new Dictionary<string, HeldRelease>(StringComparer.Ordinal);
        foreach (var release in asked)
        {
            if (release.Did == HeldRelease.Everyone)
            {
                EndHoldAll();
            }
            else if (_held.Contains(release.Did) && !_handOver.IsReleasing(release.Did))
            {
                marks.TryAdd(release.Did, release);
            }
        }

        if (marks.Count > 0)
        {
            await _setRows.Write(marks.Keys, () => _table.MarkReleasingAsync(_subscriptionId, marks.Values, _stopping));
        }

        _handOver.Start(marks.Values);
    }

    public async Task ReleaseAllAsync(bool drop)
    {
        await LoadAsync();
        EndHoldAll();
        await ReleaseAsync([.. _held.Dids.Select(did => new HeldRelease(did, null, drop))]);
    }

    /// <summary>The subscription is deleted: every held commit goes, nothing is queued, and the set rows kept go too.</summary>
    public async Task DropAllAsync()
    {
        await ReleaseAllAsync(drop: true);
        await _handOver.AllAsync().ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing | ConfigureAwaitOptions.ContinueOnCapturedContext);
        await _kept.RemoveAllAsync().ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing | ConfigureAwaitOptions.ContinueOnCapturedContext);
    }

    public async Task WriteAsync(PendingEvent held, string rev, CancellationToken cancellationToken)
    {
        if (held.Event.BlobName is { } blobName)
        {
            await _queue.WriteBlobAsync(blobName, held.BlobBody, cancellationToken);
        }

        await _table.AddAsync(_subscriptionId, held.Event.Did, rev, held.Event, cancellationToken);
    }

    /// <summary>The sink started holding a commit (<paramref name="write"/> ends once it is stored, after its retries).</summary>
    public void Started(string did, Task write) => _held.Started(did, write);

    private void Add(string did)
    {
        if (did == HeldRelease.Everyone)
        {
            _holdAll = true;
        }
        else
        {
            _held.Add(did);
            _kept.Forget(did);
        }
    }

    /// <summary>
    /// Discovery ended, and every repository it listed is in memory: the repositories whose commits were held for
    /// <see cref="HeldRelease.Everyone"/> and that are not under backfill join the set (so their next commits wait behind
    /// the held ones) in the same synchronous step that ends the hold on everyone, with no read (the seam knows them:
    /// <see cref="HeldRepositories.HeldForEveryone"/>), and are handed over together, nothing dropped. The stored hold on
    /// everyone is removed only once every set row issued before (the listed repositories', these marks) is stored: a
    /// processor activated again before then holds everyone again, and the job discovers again (<see cref="StoredAsync"/>).
    /// </summary>
    private void EndHoldAll()
    {
        _holdAllEnded = true;
        if (!_holdAll)
        {
            return;
        }

        var joined = _held.HeldForEveryone();
        _held.Join(joined);
        joined.ForEach(_kept.Forget);
        _holdAll = false;
        BackfillLog.HoldOnEveryoneEnded(_logger, _subscriptionId, joined.Count);
        if (joined.Count > 0)
        {
            // One handed over lately keeps its snapshot rev on the mark: its row is kept again at the end (KeptSetRows).
            HeldRelease[] releases = [.. joined.Select(did => new HeldRelease(did, _held.HandedOverRev(did)))];
            _ = _setRows.Write(joined, () => _retry.RunAsync("mark", () => _table.MarkReleasingAsync(_subscriptionId, releases, _stopping)));
            _handOver.StartTogether(joined);
        }

        var listed = _setRows.InFlight();
        _ = _setRows.Write([HeldRelease.Everyone], async () =>
        {
            await listed.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing | ConfigureAwaitOptions.ContinueOnCapturedContext);
            await _retry.RunAsync("set", () => _table.RemoveFromSetAsync(_subscriptionId, HeldRelease.Everyone, _stopping));
        });
    }
}
