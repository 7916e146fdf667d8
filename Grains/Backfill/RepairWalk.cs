using System.Runtime.CompilerServices;
using Jetstream.Grains.Interfaces.Events;

namespace Jetstream.Grains.Backfill;

/// <summary>
/// Compares a repository's records (in key order) with what the subscription last delivered of it, as a merge of two
/// sorted streams, collection by collection: an unchanged record yields nothing, a new one a create, a changed one an
/// update, a delivered one that is gone a delete. Neither side is held whole: the index is read one collection at a
/// time in rkey order (the MST's order within a collection), so a million-record repository costs no million-entry map.
/// </summary>
internal static class RepairWalk
{
    /// <param name="deliveredIn">The delivered records of one collection, ordered by rkey (ordinal).</param>
    /// <param name="deliveredAll">Every delivered record of the repository (any order), for collections the walk never entered.</param>
    public static async IAsyncEnumerable<RepairChange> DiffAsync(
        IAsyncEnumerable<RepositoryRecord> records,
        CollectionFilter filter,
        Func<string, IAsyncEnumerable<DeliveredRecord>> deliveredIn,
        Func<IAsyncEnumerable<DeliveredRecord>> deliveredAll,
        [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var visited = new HashSet<string>(StringComparer.Ordinal);
        string? collection = null;
        IAsyncEnumerator<DeliveredRecord>? known = null;
        var hasKnown = false;
        try
        {
            await foreach (var record in records.WithCancellation(cancellationToken))
            {
                if (record.Collection != collection)
                {
                    if (known is not null)
                    {
                        while (hasKnown)
                        {
                            yield return Deleted(known.Current);
                            hasKnown = await known.MoveNextAsync();
                        }

                        await known.DisposeAsync();
                    }

                    collection = record.Collection;
                    visited.Add(collection);
                    known = deliveredIn(collection).GetAsyncEnumerator(cancellationToken);
                    hasKnown = await known.MoveNextAsync();
                }

                while (hasKnown && string.CompareOrdinal(known!.Current.Rkey, record.Rkey) < 0)
                {
                    yield return Deleted(known.Current);
                    hasKnown = await known.MoveNextAsync();
                }

                if (hasKnown && known!.Current.Rkey == record.Rkey)
                {
                    var deliveredCid = known.Current.Cid;
                    hasKnown = await known.MoveNextAsync();
                    if (deliveredCid != record.Cid)
                    {
                        yield return new RepairChange(RepairChange.Update, record.Collection, record.Rkey, record.Cid, record);
                    }
                }
                else
                {
                    yield return new RepairChange(RepairChange.Create, record.Collection, record.Rkey, record.Cid, record);
                }
            }

            while (hasKnown)
            {
                yield return Deleted(known!.Current);
                hasKnown = await known.MoveNextAsync();
            }
        }
        finally
        {
            if (known is not null)
            {
                await known.DisposeAsync();
            }
        }

        // Collections the repository no longer has any record of (or that the walk never entered) are gone entirely.
        await foreach (var delivered in deliveredAll().WithCancellation(cancellationToken))
        {
            if (!visited.Contains(delivered.Collection) && filter.Matches(delivered.Collection))
            {
                yield return Deleted(delivered);
            }
        }
    }

    private static RepairChange Deleted(DeliveredRecord delivered) =>
        new(RepairChange.Delete, delivered.Collection, delivered.Rkey, delivered.Cid, null);
}
