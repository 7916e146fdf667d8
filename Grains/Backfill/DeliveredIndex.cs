using Azure;
using Azure.Data.Tables;
using Azure.Storage.Blobs;
using Azure.Storage.Blobs.Models;
using Azure.Storage.Blobs.Specialized;
using Jetstream.Storage;
using Jetstream.Storage.Subscriptions;
using Microsoft.Extensions.Options;

namespace Jetstream.Grains.Backfill;

/// <summary>
/// The repair index: what each subscription last delivered of each repository (collection, rkey, CID) in the binary
/// form of <see cref="DeliveredIndexEncoder"/> (about 46 bytes a record), sorted in the repository's key order so that
/// <see cref="RepairWalk"/> merges the two as they stream. One row per repository in <c>Backfill:DeliveredTable</c>
/// (PartitionKey <c>{subscription}~{generation}</c>, or the subscription alone for a document stored before generations:
/// <see cref="SubscriptionDocument.Generation"/>; RowKey the DID) is the index's version: it holds the index itself when
/// it is small (<see cref="InlineLimit"/>: a few hundred records, most repositories), or names the block blob
/// <c>{subscription}/{generation}/{did}/{attempt}</c> of <c>Backfill:DeliveredContainer</c> that does. Reading is one
/// point read (404: nothing delivered), and a GET for a large one; a new index is the row's conditional write, gathered
/// with other repositories' (<see cref="DeliveredRows"/>), after its blob, if any, is written under a name of its own.
/// </summary>
public sealed class DeliveredIndex
{
    private readonly TableClient _table;
    private readonly BlobContainerClient _container;
    private readonly CreateOnce _tableCreation;
    private readonly CreateOnce _containerCreation;

    public DeliveredIndex(StorageConnection connection, IOptions<BackfillOptions> options)
    {
        _table = connection.Table(options.Value.DeliveredTable);
        _container = connection.Container(options.Value.DeliveredContainer);
        _tableCreation = new CreateOnce(ct => _table.CreateIfNotExistsAsync(ct));
        _containerCreation = new CreateOnce(ct => _container.CreateIfNotExistsAsync(cancellationToken: ct));
        Rows = new DeliveredRows(_table, _tableCreation);
    }

    /// <summary>
    /// Staged blocks of at most this size (a block ends before an entry that might not fit). 1 MiB, about 23,000 records:
    /// the encoder's buffer is this size at most, and a pooled array of 4 or 8 MiB stays with the thread that returned it
    /// (row c in docs/performance.md found 23 MB of them after one large repository); a million records are 46 blocks.
    /// </summary>
    internal int BlockSize { get; init; } = 1024 * 1024;

    /// <summary>
    /// The largest index held in its row (16 KiB, about 350 records): a table property holds 64 KiB, and a transaction of
    /// 100 such rows, base64 in JSON, stays under its 4 MiB.
    /// </summary>
    internal int InlineLimit { get; init; } = 16 * 1024;

    internal DeliveredRows Rows { get; }

    internal static string PartitionKey(string subscriptionId, string? generation) =>
        generation is null ? subscriptionId : subscriptionId + "~" + generation;

    /// <summary>
    /// What every index blob of one subscription's generation starts with. A generation never starts with <c>did:</c>,
    /// so the names of an older document's blobs (<c>{subscription}/did:…</c>) share a prefix with no generation's.
    /// </summary>
    private static string Prefix(string subscriptionId, string? generation) =>
        generation is null ? subscriptionId + "/did:" : subscriptionId + "/" + generation + "/";

    internal static string BlobName(string subscriptionId, string? generation, string did, string attempt) =>
        (generation is null ? subscriptionId + "/" : Prefix(subscriptionId, generation)) + did + "/" + attempt;

    /// <summary>Reads the repository's row and starts the one GET of its blob if it has one; the records stream in as the walk reads them.</summary>
    internal async Task<DeliveredView> OpenAsync(string subscriptionId, string? generation, string did, CancellationToken cancellationToken)
    {
        await _tableCreation.EnsureAsync(cancellationToken);
        var partition = PartitionKey(subscriptionId, generation);
        for (var attempt = 1; ; attempt++)
        {
            var row = await _table.GetEntityIfExistsAsync<TableEntity>(partition, did, cancellationToken: cancellationToken);
            if (!row.HasValue || row.Value is not { } entity)
            {
                return DeliveredView.Nothing;
            }

            if (entity.GetBinary("Index") is { } inline)
            {
                return DeliveredView.Of($"row '{partition}' / '{did}' of table '{_table.Name}'", new MemoryStream(inline, writable: false), entity.ETag, blobName: null);
            }

            var blobName = entity.GetString("Blob") ?? throw new DeliveredIndexException($"row '{partition}' / '{did}' of table '{_table.Name}'", "it holds neither an index nor a blob's name");
            try
            {
                var download = await _container.GetBlobClient(blobName).DownloadStreamingAsync(cancellationToken: cancellationToken);
                return DeliveredView.Of($"blob '{blobName}'", download.Value, entity.ETag, blobName);
            }
            catch (RequestFailedException ex) when (ex.Status == 404 && attempt < 3)
            {
                // Another attempt replaced the index (and removed this blob) between the two reads: read the row again.
            }
        }
    }

    /// <summary>True when the repository has an index (an attempt that read none learns whether another committed one).</summary>
    internal async Task<bool> ExistsAsync(string subscriptionId, string? generation, string did, CancellationToken cancellationToken)
    {
        await _tableCreation.EnsureAsync(cancellationToken);
        return (await _table.GetEntityIfExistsAsync<TableEntity>(PartitionKey(subscriptionId, generation), did, select: ["RowKey"], cancellationToken: cancellationToken)).HasValue;
    }

    /// <summary>
    /// The repository's next index, committed only if the stored one is still <paramref name="basedOn"/>'s (absent
    /// when it was absent): a commit never overwrites an index this attempt did not compare against.
    /// </summary>
    internal DeliveredIndexUpload StartWrite(string subscriptionId, string? generation, string did, DeliveredView basedOn) =>
        new(this, subscriptionId, generation, did, basedOn, BlockSize, InlineLimit);

    /// <summary>The blob of a new index too large for its row (its container created first).</summary>
    internal async Task<BlockBlobClient> BlobAsync(string name, CancellationToken cancellationToken)
    {
        await _containerCreation.EnsureAsync(cancellationToken);
        return _container.GetBlockBlobClient(name);
    }

    /// <summary>Removes an index blob no row names any more (a replaced index's, or a refused attempt's); one left behind is removed with its subscription.</summary>
    internal async Task ForgetBlobAsync(string? name)
    {
        if (name is null)
        {
            return;
        }

        try
        {
            await _container.DeleteBlobIfExistsAsync(name);
        }
        catch (Exception ex) when (ex is RequestFailedException or HttpRequestException or IOException or TimeoutException or OperationCanceledException)
        {
            // The index is committed either way: a blob left here is storage only, no row names it.
        }
    }

    /// <summary>Deletes every index of one generation of the subscription (none of another's), rows and blobs; the number of rows deleted.</summary>
    internal async Task<long> DeleteAllAsync(string subscriptionId, string? generation, CancellationToken cancellationToken)
    {
        await _tableCreation.EnsureAsync(cancellationToken);
        var partition = PartitionKey(subscriptionId, generation);
        var keys = new List<string>();
        long deleted = 0;
        await foreach (var page in _table.QueryAsync<TableEntity>(TableClient.CreateQueryFilter($"PartitionKey eq {partition}"), maxPerPage: 1000, select: ["RowKey"], cancellationToken: cancellationToken).AsPages())
        {
            keys.AddRange(page.Values.Select(e => e.RowKey));
        }

        foreach (var chunk in keys.Chunk(DeliveredRows.MaxPerTransaction))
        {
            await _table.SubmitTransactionAsync(chunk.Select(k => new TableTransactionAction(TableTransactionActionType.Delete, new TableEntity(partition, k), ETag.All)), cancellationToken);
            deleted += chunk.Length;
        }

        try
        {
            await foreach (var blob in _container.GetBlobsAsync(new GetBlobsOptions { Prefix = Prefix(subscriptionId, generation) }, cancellationToken))
            {
                await _container.DeleteBlobIfExistsAsync(blob.Name, cancellationToken: cancellationToken);
            }
        }
        catch (RequestFailedException ex) when (ex.ErrorCode == BlobErrorCode.ContainerNotFound)
        {
            // No backfill ever wrote a large index.
        }

        return deleted;
    }

    /// <summary>How many repositories of the subscription's generation have an index (the tests read it).</summary>
    internal async Task<int> CountAsync(string subscriptionId, string? generation, CancellationToken cancellationToken = default)
    {
        await _tableCreation.EnsureAsync(cancellationToken);
        return await _table.QueryAsync<TableEntity>(TableClient.CreateQueryFilter($"PartitionKey eq {PartitionKey(subscriptionId, generation)}"), select: ["RowKey"], cancellationToken: cancellationToken).CountAsync(cancellationToken);
    }
}
