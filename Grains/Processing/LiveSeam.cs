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
/// <see cref="HeldRepositories"/>, the hand-overs are <see cref="SeamHandOver"/>'s. Single-threaded: the grain's scheduler.
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
        CancellationToken stopping)
    {
        _table = table;
        _queue = queue;
        _logger = logger;
        _subscriptionId = subscriptionId;
        _stopping = stopping;
        _held = new HeldRepositories(time);
        _retry = new SeamRetry(time, maxRetryDelay, logger, subscriptionId, stopping);
        _handOver = new SeamHandOver(_held, table, queue, written, time, _retry, logger, subscriptionId, stopping);
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

        await _table.AddToSetAsync(_subscriptionId, dids, _stopping);
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
            else if (_held.Contains(release.Did) && !_handOver.IsReleasing(release.Did))
            {
                marks.TryAdd(release.Did, release);
            }
        }

        await _table.MarkReleasingAsync(_subscriptionId, marks.Values, _stopping);
        _handOver.Start(marks.Values);
    }

    public async Task ReleaseAllAsync(bool drop)
    {
        await LoadAsync();
        await EndHoldAllAsync();
        await ReleaseAsync([.. _held.Dids.Select(did => new HeldRelease(did, null, drop))]);
    }

    /// <summary>The subscription is deleted: every held commit goes, nothing is queued.</summary>
    public async Task DropAllAsync()
    {
        await ReleaseAllAsync(drop: true);
        await _handOver.AllAsync().ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing | ConfigureAwaitOptions.ContinueOnCapturedContext);
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
        await _retry.RunAsync("list", async () => stored = await _table.HeldDidsAsync(_subscriptionId, _stopping));
        _held.Stored(stored);
        stored.UnionWith(_held.StartedDids);
        stored.RemoveWhere(_held.Contains);
        _held.Join(stored);
        _holdAll = false;
        BackfillLog.HoldOnEveryoneEnded(_logger, _subscriptionId, stored.Count);
        HeldRelease[] releases = [.. stored.Select(did => new HeldRelease(did, null))];
        await _retry.RunAsync("mark", () => _table.MarkReleasingAsync(_subscriptionId, releases, _stopping));
        _handOver.Start(releases);
        await _retry.RunAsync("set", () => _table.RemoveFromSetAsync(_subscriptionId, HeldRelease.Everyone, _stopping));
    }
}
