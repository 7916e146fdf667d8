using Azure;
using Azure.Data.Tables;
using Jetstream.Storage;

namespace Jetstream.Grains.Backfill;

/// <summary>
/// The repair index's rows on their way to <c>Backfill:DeliveredTable</c>, gathered (group commit per partition, that is
/// per subscription): a partition with no write of ours in flight gets its row at once; while one is in flight, the rows
/// that come meanwhile go together in the next transaction (up to 100). So a lone repository waits for nothing, and a
/// backfill running flat out commits many repositories' indexes per request instead of one each (bench row b: the index's
/// blob was two thirds of Azurite's requests per repository). Every row keeps its own condition: a new index is added only
/// where none is (409 otherwise), a replacement or a removal only over the version it was read at (412): one refused row
/// answers false to its caller and the others go on without it; a failure that names no row sends each row alone, and
/// each caller gets its own answer. One per silo; thread-safe (repository grains run on many threads).
/// </summary>
internal sealed class DeliveredRows(TableClient table, CreateOnce creation)
{
    public const int MaxPerTransaction = 100;

    private readonly Lock _lock = new();
    private readonly Dictionary<string, Partition> _partitions = new(StringComparer.Ordinal);
    private long _requests;

    /// <summary>Requests made so far (transactions and single writes): what the gathering saves is seen in tests.</summary>
    public long Requests => Interlocked.Read(ref _requests);

    /// <summary>Adds <paramref name="entity"/> where no row is (<paramref name="basedOn"/> null) or replaces the row at that version.</summary>
    public Task<bool> PutAsync(TableEntity entity, ETag? basedOn) =>
        Submit(new RowWrite(basedOn is { } etag ? RowWriteKind.Replace : RowWriteKind.Add, entity, basedOn ?? default));

    /// <summary>Removes the row if it is still at <paramref name="basedOn"/> (true when it is gone already).</summary>
    public Task<bool> DeleteAsync(string partitionKey, string rowKey, ETag basedOn) =>
        Submit(new RowWrite(RowWriteKind.Delete, new TableEntity(partitionKey, rowKey), basedOn));

    private Task<bool> Submit(RowWrite write)
    {
        var key = write.Entity.PartitionKey;
        lock (_lock)
        {
            if (!_partitions.TryGetValue(key, out var partition))
            {
                _partitions[key] = partition = new Partition();
            }

            partition.Waiting.Add(write);
            if (!partition.Writing)
            {
                partition.Writing = true;
                _ = PumpAsync(key, partition);
            }
        }

        return write.Done.Task;
    }

    /// <summary>Writes the partition's waiting rows, a transaction after another, until none is waiting.</summary>
    private async Task PumpAsync(string key, Partition partition)
    {
        while (true)
        {
            List<RowWrite> batch;
            lock (_lock)
            {
                if (partition.Waiting.Count == 0)
                {
                    partition.Writing = false;
                    _partitions.Remove(key);
                    return;
                }

                batch = partition.TakeBatch();
            }

            try
            {
                await creation.EnsureAsync(CancellationToken.None);
                await WriteAsync(batch);
            }
            catch (Exception ex)
            {
                foreach (var write in batch)
                {
                    write.Done.TrySetException(ex);
                }
            }
        }
    }

    private async Task WriteAsync(List<RowWrite> batch)
    {
        while (batch.Count > 1)
        {
            try
            {
                Interlocked.Increment(ref _requests);
                await table.SubmitTransactionAsync(batch.Select(w => w.Action));
                foreach (var write in batch)
                {
                    write.Done.TrySetResult(true);
                }

                return;
            }
            catch (TableTransactionFailedException ex) when (ex.FailedTransactionActionIndex is int i && i >= 0 && i < batch.Count && Refused(ex.Status, batch[i].Kind) is { } answer)
            {
                // A transaction is all or nothing: the refused row answers, the others go again without it.
                batch[i].Done.TrySetResult(answer);
                batch.RemoveAt(i);
            }
            catch (RequestFailedException)
            {
                // Which row failed is not known: each alone.
                break;
            }
        }

        foreach (var write in batch)
        {
            await WriteOneAsync(write);
        }
    }

    private async Task WriteOneAsync(RowWrite write)
    {
        try
        {
            Interlocked.Increment(ref _requests);
            switch (write.Kind)
            {
                case RowWriteKind.Add:
                    await table.AddEntityAsync(write.Entity);
                    break;
                case RowWriteKind.Replace:
                    await table.UpdateEntityAsync(write.Entity, write.BasedOn, TableUpdateMode.Replace);
                    break;
                default:
                    await table.DeleteEntityAsync(write.Entity.PartitionKey, write.Entity.RowKey, write.BasedOn);
                    break;
            }

            write.Done.TrySetResult(true);
        }
        catch (RequestFailedException ex) when (Refused(ex.Status, write.Kind) is { } answer)
        {
            write.Done.TrySetResult(answer);
        }
        catch (Exception ex)
        {
            write.Done.TrySetException(ex);
        }
    }

    /// <summary>
    /// The answer to a write its condition refused: false (another attempt's index is there), or true for a removal of a
    /// row already gone. Null for a failure that is no answer (the caller gets the exception).
    /// </summary>
    private static bool? Refused(int status, RowWriteKind kind) => (status, kind) switch
    {
        (404, RowWriteKind.Delete) => true,
        (404, RowWriteKind.Replace) or (409, RowWriteKind.Add) or (412, _) => false,
        _ => null,
    };

    private enum RowWriteKind
    {
        Add,
        Replace,
        Delete,
    }

    private sealed record RowWrite(RowWriteKind Kind, TableEntity Entity, ETag BasedOn)
    {
        public TaskCompletionSource<bool> Done { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public TableTransactionAction Action => Kind switch
        {
            RowWriteKind.Add => new TableTransactionAction(TableTransactionActionType.Add, Entity),
            RowWriteKind.Replace => new TableTransactionAction(TableTransactionActionType.UpdateReplace, Entity, BasedOn),
            _ => new TableTransactionAction(TableTransactionActionType.Delete, Entity, BasedOn),
        };
    }

    private sealed class Partition
    {
        public List<RowWrite> Waiting { get; } = [];

        public bool Writing { get; set; }

        /// <summary>The oldest waiting rows, up to a transaction's worth, one per repository (a transaction names a row once).</summary>
        public List<RowWrite> TakeBatch()
        {
            var batch = new List<RowWrite>();
            var keys = new HashSet<string>(StringComparer.Ordinal);
            for (var i = 0; i < Waiting.Count && batch.Count < MaxPerTransaction; i++)
            {
                if (keys.Add(Waiting[i].Entity.RowKey))
                {
                    batch.Add(Waiting[i]);
                    Waiting.RemoveAt(i--);
                }
            }

            return batch;
        }
    }
}
