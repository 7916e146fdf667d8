using System.Globalization;
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
/// time in transactions of 100 per partition, and its repair index, the blobs <c>{subscription}/{generation}/…</c> of
/// <c>Backfill:DeliveredContainer</c>. The removal runs on the grain's scheduler after <see cref="Start"/> has answered,
/// so thousands of repositories do not hold the Api's delete.
/// <para>
/// A subscription may be created again with the same id at once (a script deleting and creating). Its runs are numbered
/// on from the deleted one's (the job keeps its count), and its index is named with its own generation, so this removes
/// rows of runs up to the job's last run when the deletion was recorded and the deleted generation's blobs only: never
/// the new subscription's, however long the removal takes. What is left to remove is grain state and a reminder brings
/// the grain back, so a silo's death only delays the removal.
/// </para>
/// </summary>
public sealed class BackfillCleanupGrain(
    [PersistentState("backfillcleanup", ProcessorStorage.Name)] IPersistentState<BackfillCleanupState> state,
    StorageConnection storage,
    DeliveredIndex delivered,
    IOptions<BackfillOptions> options,
    ILogger<BackfillCleanupGrain> logger) : Grain, IBackfillCleanupGrain, IRemindable
{
    private const string ReminderName = "backfillcleanup";
    private const int TransactionSize = 100;
    private Task? _removal;
    private Task _writing = Task.CompletedTask;
    private long _removed;

    private string Key => this.GetPrimaryKeyString();

    public override Task OnActivateAsync(CancellationToken cancellationToken)
    {
        EnsureRemoving();
        return Task.CompletedTask;
    }

    public async Task Start(string? generation)
    {
        // Stopped first, so no repository of a run writes the index again behind the removal.
        var job = GrainFactory.GetGrain<IBackfillJobGrain>(Key);
        await job.Cancel("the subscription was deleted");
        // Read before the Api lets the id be used again: any later run is the new subscription's.
        state.State.LastRun = Math.Max(state.State.LastRun, await job.LastRun());
        state.State.Generations.Add(generation ?? "");
        await WriteStateAsync();
        await this.RegisterOrUpdateReminder(ReminderName, TimeSpan.FromMinutes(1), TimeSpan.FromMinutes(1));
        EnsureRemoving();
    }

    public Task ReceiveReminder(string reminderName, TickStatus status)
    {
        EnsureRemoving();
        return Task.CompletedTask;
    }

    private void EnsureRemoving()
    {
        if (_removal is null or { IsCompleted: true } && state.State.Generations.Count > 0)
        {
            _removal = RemoveAllAsync();
        }
    }

    /// <summary>Until nothing is left: a deletion recorded while one removal runs is taken by the next round.</summary>
    private async Task RemoveAllAsync()
    {
        _removed = 0;
        try
        {
            while (state.State.Generations.Count > 0)
            {
                var lastRun = state.State.LastRun;
                var generations = state.State.Generations.ToArray();
                await RemoveRowsAsync(options.Value.RepoTable, lastRun);
                foreach (var generation in generations)
                {
                    _removed += await delivered.DeleteAllAsync(Key, generation.Length == 0 ? null : generation, CancellationToken.None);
                }

                state.State.Generations.ExceptWith(generations);
                await WriteStateAsync();
                if (state.State.Generations.Count == 0 && await this.GetReminder(ReminderName) is { } reminder)
                {
                    // A Start in between registers it again and adds to the state this loop reads next.
                    await this.UnregisterReminder(reminder);
                }
            }

            BackfillCleanupLog.Removed(logger, Key, _removed);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            // The reminder brings it back; what is left is in the state.
            BackfillCleanupLog.Failed(logger, ex, Key, _removed);
        }
    }

    /// <summary>One state write at a time: <see cref="Start"/> and the removal both write, on the one scheduler.</summary>
    private Task WriteStateAsync() => _writing = WriteAfterAsync(_writing);

    private async Task WriteAfterAsync(Task previous)
    {
        await previous.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing | ConfigureAwaitOptions.ContinueOnCapturedContext);
        await state.WriteStateAsync();
    }

    private async Task RemoveRowsAsync(string tableName, long lastRun)
    {
        var table = storage.Table(tableName);

        // '~' is the separator; the next character bounds every partition of this subscription and none of another's.
        var filter = TableClient.CreateQueryFilter($"PartitionKey ge {Key + "~"} and PartitionKey lt {Key + "\u007f"}");
        var page = new List<TableEntity>(1000);
        try
        {
            // Deleting behind the query's continuation (the next key) does not disturb it.
            await foreach (var row in table.QueryAsync<TableEntity>(filter, maxPerPage: 1000, select: ["PartitionKey", "RowKey"]))
            {
                if (RunOf(row.PartitionKey) <= lastRun)
                {
                    page.Add(row);
                }

                if (page.Count == 1000)
                {
                    await DeleteAsync(table, page);
                }
            }
        }
        catch (RequestFailedException ex) when (ex.Status == 404)
        {
            return;
        }

        await DeleteAsync(table, page);
    }

    private async Task DeleteAsync(TableClient table, List<TableEntity> page)
    {
        foreach (var partition in page.GroupBy(r => r.PartitionKey))
        {
            foreach (var chunk in partition.Chunk(TransactionSize))
            {
                await table.SubmitTransactionAsync(chunk.Select(r => new TableTransactionAction(TableTransactionActionType.Delete, r, ETag.All)));
                _removed += chunk.Length;
            }
        }

        page.Clear();
    }

    /// <summary>The run of a partition <c>{subscription}~{run}</c>; one that is not a number is nobody's run, left alone.</summary>
    private long RunOf(string partitionKey) =>
        long.TryParse(partitionKey.AsSpan(Key.Length + 1), NumberStyles.None, CultureInfo.InvariantCulture, out var run) ? run : long.MaxValue;
}
