using Jetstream.Grains.Interfaces.Events;

namespace Jetstream.Grains.Backfill;

/// <summary>One repository being streamed from its PDS: its commit, then its records in key order.</summary>
public interface IRepositoryReader : IAsyncDisposable
{
    /// <summary>The signed commit's <c>rev</c> (a TID).</summary>
    string Rev { get; }

    /// <summary>Bytes of the CAR read so far.</summary>
    long BytesRead { get; }

    /// <summary>
    /// The records of the collections <paramref name="filter"/> matches, in key order (collection, then rkey), each as
    /// atproto JSON. A check that fails while streaming throws <see cref="RepositoryFetchException"/> of kind
    /// <see cref="RepositoryProblem.Invalid"/>: the caller delivers nothing of the repository until the stream ends.
    /// </summary>
    IAsyncEnumerable<RepositoryRecord> ReadRecordsAsync(CollectionFilter filter, CancellationToken cancellationToken);
}
