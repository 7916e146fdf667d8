using Azure.Data.Tables;
using Jetstream.Storage;
using Jetstream.Grains.Interfaces.Backfill;
using Microsoft.Extensions.Options;

namespace Jetstream.Grains.Backfill;

/// <summary>
/// The live side of the seam, in <c>Backfill:HeldTable</c>. Two kinds of partition:
/// <list type="bullet">
/// <item><c>set~{subscription}</c>: a row per repository under backfill (RowKey the DID), with the hand-over once it is
/// asked for (<c>ReleaseRev</c>, <c>Drop</c>), so a processor that activates again knows its set and resumes hand-overs.</item>
/// <item><c>ev~{subscription}~{did}</c>: the held commits, RowKey <c>{rev}~{event id}</c> so a partition reads in rev order
/// (TIDs sort as strings) and a commit read twice (a replay) is one row. The exact bytes are in binary properties of at
/// most 60,000 bytes each (a property holds 64 KiB); an event too large for a queue message is in the queue's blob
/// container already and the row names the blob.</item>
/// </list>
/// </summary>
public sealed class HeldEventTable
{
    private const int BatchSize = 100;
    private const int ChunkBytes = 60_000;
    private readonly TableClient _table;
    private readonly CreateOnce _creation;
    private readonly BackfillMetrics _metrics;

    /// <summary>
    /// The transactions adding discovered repositories to sets (a discovery's 10,000 rows are 100 of them) in flight at
    /// once on this silo, over all its subscriptions. Side by side without a bound they filled Azurite's one thread: a hundred transactions queued
    /// ahead of every live request and took the CPU the relay's pages and the processor needed, and the hold on everyone
    /// ended at +1.3-1.6 s instead of +0.6-0.9 s (bench row d: live p99 943-1,350 ms in four runs, 413-735 ms with the
    /// bound). Two keep the store as fast (the storage's throughput, not the round trip, bounds it) and a partition's
    /// real limit (~2,000 entities/s) is not approached.
    /// </summary>
    private const int BulkTransactionsInFlight = 2;
    private readonly SemaphoreSlim _bulk = new(BulkTransactionsInFlight);

    public HeldEventTable(StorageConnection connection, IOptions<BackfillOptions> options, BackfillMetrics metrics)
    {
        _metrics = metrics;
        _table = connection.Table(options.Value.HeldTable);
        _creation = new CreateOnce(ct => _table.CreateIfNotExistsAsync(ct));
    }

    /// <summary>
    /// Calls <paramref name="add"/> for each repository of the set; returns the hand-overs asked for and not finished.
    /// A large set is read in <see cref="DidRanges"/> side by side (200,000 rows on Azurite here: 148-149 s in one query, 21 s).
    /// </summary>
    public async Task<List<HeldRelease>> LoadSetAsync(string subscriptionId, Action<string> add, CancellationToken cancellationToken)
    {
        await _creation.EnsureAsync(cancellationToken);
        var rows = await DidRanges.ReadAsync(_table, SetKey(subscriptionId), ["RowKey", "Releasing", "ReleaseRev", "Drop"],
            e => (e.RowKey, Release: e.GetBoolean("Releasing") == true ? new HeldRelease(e.RowKey, e.GetString("ReleaseRev"), e.GetBoolean("Drop") == true) : null),
            cancellationToken);
        var releases = new List<HeldRelease>();
        foreach (var (did, release) in rows)
        {
            add(did);
            if (release is not null)
            {
                releases.Add(release);
            }
        }

        return releases;
    }

    /// <summary>
    /// A transaction per 100 repositories, at most <see cref="BulkTransactionsInFlight"/> of the silo's at once: the
    /// hold on everyone no longer waits for these (it ends once the list is in the processor's memory), the job's
    /// pending rows do.
    /// </summary>
    public async Task AddToSetAsync(string subscriptionId, IReadOnlyCollection<string> dids, CancellationToken cancellationToken)
    {
        await _creation.EnsureAsync(cancellationToken);
        await Task.WhenAll(dids.Chunk(BatchSize).Select(chunk => InBulkAsync(() => _table.SubmitTransactionAsync(chunk.Select(did => new TableTransactionAction(
            TableTransactionActionType.UpsertReplace, new TableEntity(SetKey(subscriptionId), did))), cancellationToken), cancellationToken)));
    }

    /// <summary>
    /// Records that the repositories' hand-overs were asked for, so they are finished after a silo's death. In
    /// transactions side by side: the end of a discovery marks every repository whose commits it held, hundreds, and
    /// their commits wait until then. <paramref name="releases"/> name each DID once.
    /// </summary>
    public async Task MarkReleasingAsync(string subscriptionId, IReadOnlyCollection<HeldRelease> releases, CancellationToken cancellationToken)
    {
        await _creation.EnsureAsync(cancellationToken);
        await Task.WhenAll(releases.Chunk(BatchSize).Select(chunk => _table.SubmitTransactionAsync(chunk.Select(release => new TableTransactionAction(
            TableTransactionActionType.UpsertReplace, new TableEntity(SetKey(subscriptionId), release.Did)
            {
                ["Releasing"] = true,
                ["ReleaseRev"] = release.SnapshotRev,
                ["Drop"] = release.Drop,
            })), cancellationToken)));
    }

    public async Task RemoveFromSetAsync(string subscriptionId, string did, CancellationToken cancellationToken)
    {
        await _creation.EnsureAsync(cancellationToken);
        await IgnoreMissing(_table.DeleteEntityAsync(SetKey(subscriptionId), did, Azure.ETag.All, cancellationToken));
    }

    /// <summary>
    /// Removes the set rows of repositories handed over with nothing held: their partition is the subscription's
    /// <c>set~</c> one, so a hundred go in one transaction (side by side: they come as repositories finish, a few a second), not a request each.
    /// <paramref name="dids"/> name each DID once.
    /// </summary>
    public async Task RemoveFromSetAsync(string subscriptionId, IReadOnlyCollection<string> dids, CancellationToken cancellationToken)
    {
        await _creation.EnsureAsync(cancellationToken);
        await Task.WhenAll(dids.Chunk(BatchSize).Select(chunk => DeleteRowsAsync(SetKey(subscriptionId), chunk, cancellationToken)));
    }

    public async Task AddAsync(string subscriptionId, string did, string rev, QueuedEvent queuedEvent, CancellationToken cancellationToken)
    {
        await _creation.EnsureAsync(cancellationToken);
        var entity = new TableEntity(EventsKey(subscriptionId, did), rev + "~" + queuedEvent.EventId)
        {
            ["Rev"] = rev,
            ["EventId"] = queuedEvent.EventId,
            ["TimeUs"] = queuedEvent.TimeUs,
            ["BlobName"] = queuedEvent.BlobName,
            ["TraceParent"] = queuedEvent.TraceParent,
        };
        var json = queuedEvent.EventJson;
        for (var i = 0; i * ChunkBytes < json.Length; i++)
        {
            entity["B" + i] = json.Slice(i * ChunkBytes, Math.Min(ChunkBytes, json.Length - (i * ChunkBytes))).ToArray();
        }

        await _table.UpsertEntityAsync(entity, TableUpdateMode.Replace, cancellationToken);
        _metrics.LiveHeld();
    }

    /// <summary>The repositories with held commits (those held for <see cref="HeldRelease.Everyone"/> among them).</summary>
    public async Task<HashSet<string>> HeldDidsAsync(string subscriptionId, CancellationToken cancellationToken)
    {
        await _creation.EnsureAsync(cancellationToken);
        var prefix = EventsKey(subscriptionId, string.Empty);
        var dids = new HashSet<string>(StringComparer.Ordinal);
        var filter = TableClient.CreateQueryFilter($"PartitionKey ge {prefix} and PartitionKey lt {prefix + "\u007f"}");
        await foreach (var e in _table.QueryAsync<TableEntity>(filter, select: ["PartitionKey"], cancellationToken: cancellationToken))
        {
            dids.Add(e.PartitionKey[prefix.Length..]);
        }

        return dids;
    }

    /// <summary>A repository's held commits in rev order (then event id).</summary>
    public async Task<List<HeldEvent>> ReadAsync(string subscriptionId, string did, CancellationToken cancellationToken)
    {
        await _creation.EnsureAsync(cancellationToken);
        var held = new List<HeldEvent>();
        var filter = TableClient.CreateQueryFilter($"PartitionKey eq {EventsKey(subscriptionId, did)}");
        await foreach (var e in _table.QueryAsync<TableEntity>(filter, maxPerPage: 1000, cancellationToken: cancellationToken))
        {
            held.Add(ToHeld(e, did));
        }

        held.Sort(ByRowKey);
        return held;
    }

    /// <summary>
    /// Every held commit of the subscription, by repository, each in rev order: one range query over its partitions
    /// instead of a read per repository (the end of the hold on everyone hands its hundreds of repositories over at once).
    /// </summary>
    public async Task<Dictionary<string, List<HeldEvent>>> ReadAllAsync(string subscriptionId, CancellationToken cancellationToken)
    {
        await _creation.EnsureAsync(cancellationToken);
        var prefix = EventsKey(subscriptionId, string.Empty);
        var held = new Dictionary<string, List<HeldEvent>>(StringComparer.Ordinal);
        var filter = TableClient.CreateQueryFilter($"PartitionKey ge {prefix} and PartitionKey lt {prefix + "\u007f"}");
        await foreach (var e in _table.QueryAsync<TableEntity>(filter, maxPerPage: 1000, cancellationToken: cancellationToken))
        {
            var did = e.PartitionKey[prefix.Length..];
            if (!held.TryGetValue(did, out var commits))
            {
                held[did] = commits = [];
            }

            commits.Add(ToHeld(e, did));
        }

        foreach (var commits in held.Values)
        {
            commits.Sort(ByRowKey);
        }

        return held;
    }

    public async Task DeleteAsync(string subscriptionId, string did, IEnumerable<HeldEvent> held, CancellationToken cancellationToken)
    {
        var partition = EventsKey(subscriptionId, did);
        foreach (var chunk in held.Chunk(BatchSize))
        {
            await DeleteRowsAsync(partition, [.. chunk.Select(h => h.RowKey)], cancellationToken);
        }
    }

    private async Task DeleteRowsAsync(string partition, string[] rowKeys, CancellationToken cancellationToken)
    {
        try
        {
            await _table.SubmitTransactionAsync(rowKeys.Select(rowKey => new TableTransactionAction(TableTransactionActionType.Delete,
                new TableEntity(partition, rowKey), Azure.ETag.All)), cancellationToken);
        }
        catch (TableTransactionFailedException ex) when (ex.Status == 404)
        {
            // A hand-over resumed after a silo's death finds some rows gone already: one at a time, the missing ignored.
            foreach (var rowKey in rowKeys)
            {
                await IgnoreMissing(_table.DeleteEntityAsync(partition, rowKey, Azure.ETag.All, cancellationToken));
            }
        }
    }

    /// <summary>One of the set's bulk transactions, waiting for its turn (<see cref="BulkTransactionsInFlight"/>).</summary>
    private async Task InBulkAsync(Func<Task> transaction, CancellationToken cancellationToken)
    {
        await _bulk.WaitAsync(cancellationToken);
        try
        {
            await transaction();
        }
        finally
        {
            _bulk.Release();
        }
    }

    private static int ByRowKey(HeldEvent a, HeldEvent b) => string.CompareOrdinal(a.RowKey, b.RowKey);

    private static HeldEvent ToHeld(TableEntity e, string did) => new(e.RowKey, e.GetString("Rev") ?? string.Empty, new QueuedEvent
    {
        EventId = e.GetString("EventId")!,
        QueuedAt = default,
        Did = did,
        TimeUs = e.GetInt64("TimeUs") ?? 0,
        EventJson = Join(e),
        BlobName = e.GetString("BlobName"),
        TraceParent = e.GetString("TraceParent"),
    });

    private static byte[] Join(TableEntity entity)
    {
        var parts = new List<byte[]>();
        while (entity.GetBinary("B" + parts.Count) is { } part)
        {
            parts.Add(part);
        }

        return parts.Count == 1 ? parts[0] : [.. parts.SelectMany(p => p)];
    }

    private static async Task IgnoreMissing(Task delete)
    {
        try
        {
            await delete;
        }
        catch (Azure.RequestFailedException ex) when (ex.Status == 404)
        {
        }
    }

    private static string SetKey(string subscriptionId) => "set~" + subscriptionId;

    private static string EventsKey(string subscriptionId, string did) => "ev~" + subscriptionId + "~" + did;
}
