using Azure;
using Azure.Data.Tables;
using Jetstream.Storage;
using Jetstream.Grains.Interfaces.Backfill;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Jetstream.Grains.Backfill;

/// <summary>
/// Removes what a deleted subscription's backfills left: its rows of <c>Backfill:RepoTable</c> (PartitionKey
/// <c>{subscription}~{run}</c>: one range of partitions, since subscription ids have no <c>~</c>), a page of keys at a
/// time in transactions of 100 per partition, and its repair index, the blobs <c>{subscription}/…</c> of
/// <c>Backfill:DeliveredContainer</c> (ids have no <c>/</c> either). The removal runs on the grain's scheduler after
/// <see cref="Start"/> has answered, so thousands of repositories do not hold the Api's delete.
/// </summary>
public sealed class BackfillCleanupGrain(StorageConnection storage, DeliveredIndex delivered, IOptions<BackfillOptions> options, ILogger<BackfillCleanupGrain> logger) : Grain, IBackfillCleanupGrain
{
    private const int TransactionSize = 100;
    private Task? _removal;
    private long _removed;

    private string Key => this.GetPrimaryKeyString();

    public async Task Start()
    {
        if (_removal is { IsCompleted: false })
        {
            return;
        }

        // Stopped first, so no repository of a run writes the index again behind the removal.
        await GrainFactory.GetGrain<IBackfillJobGrain>(Key).Cancel("the subscription was deleted");
        _removed = 0;
        _removal = RemoveAllAsync();
    }

    private async Task RemoveAllAsync()
    {
        try
        {
            await RemoveAsync(options.Value.RepoTable);
            _removed += await delivered.DeleteAllAsync(Key, CancellationToken.None);
            BackfillCleanupLog.Removed(logger, Key, _removed);
        }
        catch (RequestFailedException ex)
        {
            BackfillCleanupLog.Failed(logger, ex, Key, _removed);
        }
    }

    private async Task RemoveAsync(string tableName)
    {
        var table = storage.Table(tableName);

        // '~' is the separator; the next character bounds every partition of this subscription and none of another's.
        var filter = TableClient.CreateQueryFilter($"PartitionKey ge {Key + "~"} and PartitionKey lt {Key + "\u007f"}");
        while (true)
        {
            var page = new List<TableEntity>(1000);
            try
            {
                await foreach (var row in table.QueryAsync<TableEntity>(filter, maxPerPage: 1000, select: ["PartitionKey", "RowKey"]))
                {
                    page.Add(row);
                    if (page.Count == 1000)
                    {
                        break;
                    }
                }
            }
            catch (RequestFailedException ex) when (ex.Status == 404)
            {
                return;
            }

            if (page.Count == 0)
            {
                return;
            }

            foreach (var partition in page.GroupBy(r => r.PartitionKey))
            {
                foreach (var chunk in partition.Chunk(TransactionSize))
                {
                    await table.SubmitTransactionAsync(chunk.Select(r => new TableTransactionAction(TableTransactionActionType.Delete, r, ETag.All)));
                    _removed += chunk.Length;
                }
            }
        }
    }
}
