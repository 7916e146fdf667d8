namespace Jetstream.Bench.Pipeline;

/// <summary>Storage requests counted by <see cref="CountingStorageProxy"/>, per service.</summary>
internal readonly record struct StorageRequests(long Blob, long Queue, long Table)
{
    public long Total => Blob + Queue + Table;

    public static StorageRequests operator -(StorageRequests a, StorageRequests b) => new(a.Blob - b.Blob, a.Queue - b.Queue, a.Table - b.Table);
}
