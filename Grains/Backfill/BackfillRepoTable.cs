using Azure.Data.Tables;
using Jetstream.Storage;
using Microsoft.Extensions.Options;

namespace Jetstream.Grains.Backfill;

/// <summary>
/// Every repository of a run and its outcome (PartitionKey <c>{subscription}~{run}</c>, RowKey the DID) in
/// <c>Backfill:RepoTable</c>: what lets a job that lost its silo go on where it was, never fetching a finished
/// repository again. Written once per discovered repository (a transaction per 100) and once per outcome (gathered
/// over many repositories by <see cref="RepoRowWriter"/>).
/// </summary>
public sealed class BackfillRepoTable
{
    private const int BatchSize = 100;
    private readonly TableClient _table;
    private readonly CreateOnce _creation;

    public BackfillRepoTable(StorageConnection connection, IOptions<BackfillOptions> options)
    {
        _table = connection.Table(options.Value.RepoTable);
        _creation = new CreateOnce(ct => _table.CreateIfNotExistsAsync(ct));
    }

    internal async Task<List<BackfillRepoRow>> LoadAsync(string subscriptionId, long runId, CancellationToken cancellationToken = default)
    {
        await _creation.EnsureAsync(cancellationToken);
        var rows = new List<BackfillRepoRow>();
        var filter = TableClient.CreateQueryFilter($"PartitionKey eq {PartitionKey(subscriptionId, runId)}");
        await foreach (var e in _table.QueryAsync<TableEntity>(filter, maxPerPage: 1000, cancellationToken: cancellationToken))
        {
            rows.Add(new BackfillRepoRow(e.RowKey, e.GetString("State") ?? BackfillRepoRow.Pending, e.GetString("Host"),
                e.GetInt32("Attempts") ?? 0, e.GetString("Reason"), e.GetInt64("Records") ?? 0, e.GetInt64("Bytes") ?? 0, e.GetString("Rev")));
        }

        return rows;
    }

    /// <summary>Adds discovered repositories as pending; the caller passes only DIDs the run does not have yet.</summary>
    internal async Task AddPendingAsync(string subscriptionId, long runId, IReadOnlyList<string> dids, CancellationToken cancellationToken = default)
    {
        await _creation.EnsureAsync(cancellationToken);
        foreach (var chunk in dids.Chunk(BatchSize))
        {
            await _table.SubmitTransactionAsync(chunk.Select(did => new TableTransactionAction(TableTransactionActionType.UpsertReplace,
                ToEntity(subscriptionId, runId, new BackfillRepoRow(did, BackfillRepoRow.Pending, null, 0, null, 0, 0)))), cancellationToken);
        }
    }

    /// <summary>Stores rows of one run (one DID each): one request for one, a transaction per 100 (one partition) for more.</summary>
    internal async Task SaveAsync(string subscriptionId, long runId, IReadOnlyCollection<BackfillRepoRow> rows, CancellationToken cancellationToken = default)
    {
        await _creation.EnsureAsync(cancellationToken);
        if (rows.Count == 1)
        {
            await _table.UpsertEntityAsync(ToEntity(subscriptionId, runId, rows.First()), TableUpdateMode.Replace, cancellationToken);
            return;
        }

        foreach (var chunk in rows.Chunk(BatchSize))
        {
            await _table.SubmitTransactionAsync(chunk.Select(row => new TableTransactionAction(TableTransactionActionType.UpsertReplace, ToEntity(subscriptionId, runId, row))), cancellationToken);
        }
    }

    /// <summary>Removes a finished run's rows (an earlier run's, when a new one starts).</summary>
    internal async Task DeleteRunAsync(string subscriptionId, long runId, CancellationToken cancellationToken = default)
    {
        await _creation.EnsureAsync(cancellationToken);
        var filter = TableClient.CreateQueryFilter($"PartitionKey eq {PartitionKey(subscriptionId, runId)}");
        var keys = new List<string>();
        await foreach (var e in _table.QueryAsync<TableEntity>(filter, select: ["RowKey"], cancellationToken: cancellationToken))
        {
            keys.Add(e.RowKey);
        }

        foreach (var chunk in keys.Chunk(BatchSize))
        {
            await _table.SubmitTransactionAsync(chunk.Select(k => new TableTransactionAction(TableTransactionActionType.Delete,
                new TableEntity(PartitionKey(subscriptionId, runId), k), Azure.ETag.All)), cancellationToken);
        }
    }

    private static string PartitionKey(string subscriptionId, long runId) => subscriptionId + "~" + runId.ToString(System.Globalization.CultureInfo.InvariantCulture);

    private static TableEntity ToEntity(string subscriptionId, long runId, BackfillRepoRow row) => new(PartitionKey(subscriptionId, runId), row.Did)
    {
        ["State"] = row.State,
        ["Host"] = row.Host,
        ["Attempts"] = row.Attempts,
        ["Reason"] = row.Reason is { Length: > 1000 } reason ? reason[..1000] : row.Reason,
        ["Records"] = row.Records,
        ["Bytes"] = row.Bytes,
        ["Rev"] = row.Rev,
    };

}
