using System.Runtime.CompilerServices;
using Jetstream.Atproto;
using Jetstream.Atproto.Cids;
using Jetstream.Grains.Interfaces.Events;

namespace Jetstream.Grains.Backfill;

/// <summary>
/// Compares a repository's records with what the subscription last delivered of it, as one merge of two streams in
/// the repository's key order (<see cref="RepoKeyOrder"/>): an unchanged record sends nothing, a new one a create, a
/// changed one an update, a delivered one of the filter's collections that is gone a delete; a delivered one outside
/// the filter is kept as it is. Every step also says what the next index holds at that key, so the index is rewritten
/// as the walk goes. Neither side is held: a million-record repository costs no million-entry list or map.
/// </summary>
internal static class RepairWalk
{
    /// <param name="records">The repository's records of the filter's collections, in key order.</param>
    /// <param name="delivered">The repair index of the repository, every collection, in key order.</param>
    public static async IAsyncEnumerable<RepairStep> DiffAsync(
        IAsyncEnumerable<RepositoryRecord> records,
        CollectionFilter filter,
        IAsyncEnumerable<DeliveredRecord> delivered,
        [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        await using var known = delivered.GetAsyncEnumerator(cancellationToken);
        var hasKnown = await known.MoveNextAsync();
        var matches = new FilterByCollection(filter);
        RepositoryRecord? previous = null;
        await foreach (var record in records.WithCancellation(cancellationToken))
        {
            if (previous is not null && RepoKeyOrder.Compare(previous.Collection, previous.Rkey, record.Collection, record.Rkey) >= 0)
            {
                throw new RepositoryFetchException(RepositoryProblem.Invalid, $"record {record.Collection}/{record.Rkey} follows {previous.Collection}/{previous.Rkey}: not in key order");
            }

            previous = record;
            var cid = ParseCid(record);
            var order = 1;
            while (hasKnown && (order = RepoKeyOrder.Compare(known.Current.Collection, known.Current.Rkey, record.Collection, record.Rkey)) < 0)
            {
                var gone = known.Current;
                hasKnown = await known.MoveNextAsync();
                yield return matches.Of(gone.Collection) ? new RepairStep(Deleted(gone), null) : new RepairStep(null, gone);
            }

            if (hasKnown && order == 0)
            {
                var old = known.Current;
                hasKnown = await known.MoveNextAsync();
                yield return old.Cid == cid
                    ? new RepairStep(null, old)
                    : new RepairStep(new RepairChange(RepairChange.Update, record.Collection, record.Rkey, record.Cid, record), new DeliveredRecord(record.Collection, record.Rkey, cid));
            }
            else
            {
                yield return new RepairStep(new RepairChange(RepairChange.Create, record.Collection, record.Rkey, record.Cid, record), new DeliveredRecord(record.Collection, record.Rkey, cid));
            }
        }

        while (hasKnown)
        {
            var old = known.Current;
            hasKnown = await known.MoveNextAsync();
            yield return matches.Of(old.Collection) ? new RepairStep(Deleted(old), null) : new RepairStep(null, old);
        }
    }

    private static Cid ParseCid(RepositoryRecord record)
    {
        try
        {
            return Cid.Parse(record.Cid);
        }
        catch (AtprotoException ex)
        {
            throw new RepositoryFetchException(RepositoryProblem.Invalid, $"record {record.Collection}/{record.Rkey}: {ex.Message}", inner: ex);
        }
    }

    private static RepairChange Deleted(DeliveredRecord delivered) =>
        new(RepairChange.Delete, delivered.Collection, delivered.Rkey, delivered.Cid.ToString(), null);

    /// <summary>The filter asked once per collection: the index hands out one string per collection, in runs.</summary>
    private sealed class FilterByCollection(CollectionFilter filter)
    {
        private string? _collection;
        private bool _matches;

        public bool Of(string collection)
        {
            if (!ReferenceEquals(collection, _collection))
            {
                _collection = collection;
                _matches = filter.Matches(collection);
            }

            return _matches;
        }
    }
}
