using System.Runtime.CompilerServices;
using Azure;
using Azure.Data.Tables;
using Jetstream.Storage;
using Microsoft.Extensions.Options;

namespace Jetstream.Grains.Backfill;

/// <summary>
/// The repair index: what each subscription last delivered of each repository, one row per record
/// (PartitionKey <c>{subscription}~{did}</c>, RowKey <c>{collection}|{rkey}</c>, <c>Cid</c>), in <c>Backfill:DeliveredTable</c>
/// of the same storage account. Within a collection the rows sort by rkey as the repository's tree does, which lets
/// <see cref="RepairWalk"/> merge instead of loading. About 330 bytes of table storage per record (docs/backfill.md).
/// </summary>
public sealed class DeliveredIndex
{
    private const int BatchSize = 100;
    private const int PageSize = 1000;
    private readonly TableClient _table;
    private readonly CreateOnce _creation;

    public DeliveredIndex(StorageConnection connection, IOptions<BackfillOptions> options)
    {
        _table = connection.Table(options.Value.DeliveredTable);
        _creation = new CreateOnce(ct => _table.CreateIfNotExistsAsync(ct));
    }

    internal async IAsyncEnumerable<DeliveredRecord> ReadCollectionAsync(string subscriptionId, string did, string collection,
        [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        await _creation.EnsureAsync(cancellationToken);
        var pk = PartitionKey(subscriptionId, did);
        // '}' follows '|': the range is exactly this collection's rows.
        var filter = TableClient.CreateQueryFilter($"PartitionKey eq {pk} and RowKey ge {collection + "|"} and RowKey lt {collection + "}"}");
        await foreach (var row in _table.QueryAsync<TableEntity>(filter, maxPerPage: PageSize, select: ["RowKey", "Cid"], cancellationToken: cancellationToken))
        {
            yield return ToRecord(row);
        }
    }

    /// <summary>
    /// Every delivered record of the repository in one query if they fit one page (most repositories, and all of a
    /// first backfill, which has none), sorted as the table sorts them: by collection, then rkey. Null when there are
    /// more: the caller then streams them a collection at a time. One query instead of one per collection plus one
    /// for the gone ones, per repository (bench row b).
    /// </summary>
    internal async Task<IReadOnlyList<DeliveredRecord>?> ReadIfSmallAsync(string subscriptionId, string did, CancellationToken cancellationToken = default)
    {
        await _creation.EnsureAsync(cancellationToken);
        var filter = TableClient.CreateQueryFilter($"PartitionKey eq {PartitionKey(subscriptionId, did)}");
        await foreach (var page in _table.QueryAsync<TableEntity>(filter, maxPerPage: PageSize, select: ["RowKey", "Cid"], cancellationToken: cancellationToken).AsPages())
        {
            return page.ContinuationToken is null ? page.Values.Select(ToRecord).ToArray() : null;
        }

        return [];
    }

    internal async IAsyncEnumerable<DeliveredRecord> ReadAllAsync(string subscriptionId, string did, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        await _creation.EnsureAsync(cancellationToken);
        var filter = TableClient.CreateQueryFilter($"PartitionKey eq {PartitionKey(subscriptionId, did)}");
        await foreach (var row in _table.QueryAsync<TableEntity>(filter, maxPerPage: PageSize, select: ["RowKey", "Cid"], cancellationToken: cancellationToken))
        {
            yield return ToRecord(row);
        }
    }

    /// <summary>Records what was delivered: creates and updates set the CID, deletes remove the row. In transactions of 100.</summary>
    internal async Task ApplyAsync(string subscriptionId, string did, IReadOnlyList<RepairChange> changes, CancellationToken cancellationToken = default)
    {
        await _creation.EnsureAsync(cancellationToken);
        var pk = PartitionKey(subscriptionId, did);
        foreach (var chunk in changes.Chunk(BatchSize))
        {
            // A row key appears once per transaction: the walk yields each record once.
            var actions = chunk.Select(c => c.IsDelete
                ? new TableTransactionAction(TableTransactionActionType.Delete, new TableEntity(pk, RowKey(c.Collection, c.Rkey)), ETag.All)
                : new TableTransactionAction(TableTransactionActionType.UpsertReplace, new TableEntity(pk, RowKey(c.Collection, c.Rkey)) { ["Cid"] = c.Cid }));
            try
            {
                await _table.SubmitTransactionAsync(actions, cancellationToken);
            }
            catch (TableTransactionFailedException)
            {
                // A delete of a row already gone (a retried attempt) fails the whole transaction: apply one by one.
                foreach (var c in chunk)
                {
                    if (c.IsDelete)
                    {
                        await _table.DeleteEntityAsync(pk, RowKey(c.Collection, c.Rkey), ETag.All, cancellationToken);
                    }
                    else
                    {
                        await _table.UpsertEntityAsync(new TableEntity(pk, RowKey(c.Collection, c.Rkey)) { ["Cid"] = c.Cid }, TableUpdateMode.Replace, cancellationToken);
                    }
                }
            }
        }
    }

    internal static string PartitionKey(string subscriptionId, string did) => subscriptionId + "~" + did;

    internal static string RowKey(string collection, string rkey) => collection + "|" + rkey;

    private static DeliveredRecord ToRecord(TableEntity row)
    {
        var cut = row.RowKey.IndexOf('|', StringComparison.Ordinal);
        return new DeliveredRecord(row.RowKey[..cut], row.RowKey[(cut + 1)..], row.GetString("Cid") ?? string.Empty);
    }

}
