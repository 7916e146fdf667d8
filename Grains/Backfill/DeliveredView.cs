namespace Jetstream.Grains.Backfill;

/// <summary>
/// What <see cref="RepairWalk"/> compares a repository with: the repair index's rows of one repository, held in memory
/// when one query brought them all (a page; a first backfill has none), streamed from the table a collection at a time
/// otherwise, so a repository of a million delivered records still costs no million-entry list.
/// </summary>
internal sealed class DeliveredView
{
    private readonly DeliveredIndex _index;
    private readonly string _subscriptionId;
    private readonly string _did;
    private readonly ILookup<string, DeliveredRecord>? _held;

    private DeliveredView(DeliveredIndex index, string subscriptionId, string did, ILookup<string, DeliveredRecord>? held)
    {
        _index = index;
        _subscriptionId = subscriptionId;
        _did = did;
        _held = held;
    }

    public static async Task<DeliveredView> OpenAsync(DeliveredIndex index, string subscriptionId, string did, CancellationToken cancellationToken)
    {
        var rows = await index.ReadIfSmallAsync(subscriptionId, did, cancellationToken);
        return new DeliveredView(index, subscriptionId, did, rows?.OrderBy(r => r.Rkey, StringComparer.Ordinal).ToLookup(r => r.Collection, StringComparer.Ordinal));
    }

    /// <summary>The delivered records of one collection, ordered by rkey (ordinal), as the walk merges them.</summary>
    public IAsyncEnumerable<DeliveredRecord> In(string collection, CancellationToken cancellationToken) =>
        _held is null ? _index.ReadCollectionAsync(_subscriptionId, _did, collection, cancellationToken) : _held[collection].ToAsyncEnumerable();

    /// <summary>Every delivered record of the repository, in any order.</summary>
    public IAsyncEnumerable<DeliveredRecord> All(CancellationToken cancellationToken) =>
        _held is null ? _index.ReadAllAsync(_subscriptionId, _did, cancellationToken) : _held.SelectMany(g => g).ToAsyncEnumerable();
}
