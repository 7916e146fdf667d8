namespace Jetstream.Emulator;

/// <summary>
/// One subscriber's <c>wantedCollections</c> / <c>wantedDids</c>, built the way the legacy server builds them
/// (PROTOCOL.md §2.1-2.3): a trailing <c>.*</c> becomes a plain string prefix with only the <c>*</c> trimmed, anything
/// else must be an NSID; DIDs must parse and are de-duplicated before the 10,000 limit; prefixes are not de-duplicated
/// when counting against the 100 limit. The collection filter only ever applies to commits.
/// </summary>
internal sealed class SubscriberFilter
{
    public const int MaxWantedCollections = 100;
    public const int MaxWantedDids = 10_000;
    public const string InvalidOptions = "invalid subscriber options";

    public static readonly SubscriberFilter All = new([], [], []);

    private readonly HashSet<string> _dids;
    private readonly HashSet<string> _collections;
    private readonly string[] _prefixes;

    private SubscriberFilter(HashSet<string> dids, HashSet<string> collections, string[] prefixes)
    {
        _dids = dids;
        _collections = collections;
        _prefixes = prefixes;
    }

    /// <summary>Returns null and the exact legacy error text when the options are rejected.</summary>
    public static SubscriberFilter? TryCreate(IReadOnlyCollection<string> wantedCollections, IReadOnlyCollection<string> wantedDids, out string? error)
    {
        var prefixes = new List<string>();
        var collections = new HashSet<string>(StringComparer.Ordinal);
        foreach (var wanted in wantedCollections)
        {
            if (wanted.EndsWith(".*", StringComparison.Ordinal))
            {
                prefixes.Add(wanted[..^1]);
            }
            else if (AtprotoSyntax.IsNsid(wanted))
            {
                collections.Add(wanted);
            }
            else
            {
                error = $"{InvalidOptions}: invalid collection: {wanted}";
                return null;
            }
        }

        var dids = new HashSet<string>(StringComparer.Ordinal);
        foreach (var did in wantedDids)
        {
            if (!AtprotoSyntax.IsDid(did))
            {
                error = InvalidOptions;
                return null;
            }

            dids.Add(did);
        }

        if (dids.Count > MaxWantedDids)
        {
            error = $"{InvalidOptions}: too many wanted DIDs";
            return null;
        }

        if (prefixes.Count + collections.Count > MaxWantedCollections)
        {
            error = $"{InvalidOptions}: too many wanted collections";
            return null;
        }

        error = null;
        return new SubscriberFilter(dids, collections, [.. prefixes]);
    }

    public bool Wants(LoggedEvent logged)
    {
        if (_dids.Count > 0 && !_dids.Contains(logged.Did))
        {
            return false;
        }

        // identity and account events carry no collection and so always pass the collection filter (§2.3).
        var collection = logged.Collection;
        if (string.IsNullOrEmpty(collection) || (_collections.Count == 0 && _prefixes.Length == 0))
        {
            return true;
        }

        if (_collections.Contains(collection))
        {
            return true;
        }

        foreach (var prefix in _prefixes)
        {
            if (collection.StartsWith(prefix, StringComparison.Ordinal))
            {
                return true;
            }
        }

        return false;
    }
}
