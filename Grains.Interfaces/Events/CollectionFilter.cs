namespace Jetstream.Grains.Interfaces.Events;

/// <summary>
/// The <c>wantedCollections</c> rule of PROTOCOL.md §2.2: a pattern ending in <c>.*</c> matches by plain string prefix
/// on everything before the <c>*</c>; any other pattern matches exactly. An empty filter matches every collection.
/// </summary>
public sealed class CollectionFilter
{
    private readonly string[] _exact;
    private readonly string[] _prefixes;

    public CollectionFilter(IEnumerable<string> patterns)
    {
        var list = patterns.ToArray();
        Patterns = list;
        _prefixes = list.Where(p => p.EndsWith(".*", StringComparison.Ordinal)).Select(p => p[..^1]).Distinct().ToArray();
        _exact = list.Where(p => !p.EndsWith(".*", StringComparison.Ordinal)).Distinct().ToArray();
    }

    public IReadOnlyList<string> Patterns { get; }

    public bool MatchesAll => Patterns.Count == 0;

    public bool Matches(string collection) => Matches(collection.AsSpan());

    public bool Matches(ReadOnlySpan<char> collection)
    {
        if (MatchesAll)
        {
            return true;
        }

        foreach (var exact in _exact)
        {
            if (collection.SequenceEqual(exact))
            {
                return true;
            }
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

    /// <summary>
    /// Whether a pattern is one the server accepts: <c>&lt;anything&gt;.*</c>, or a valid NSID.
    /// Returns a reason when it is not.
    /// </summary>
    public static bool IsValidPattern(string pattern, out string? reason)
    {
        if (pattern.EndsWith(".*", StringComparison.Ordinal))
        {
            reason = null;
            return true;
        }

        if (Nsid.IsValid(pattern))
        {
            reason = null;
            return true;
        }

        reason = $"'{pattern}' is neither an NSID (e.g. app.bsky.feed.post) nor a prefix ending in '.*' (e.g. app.bsky.feed.*)";
        return false;
    }
}
