using System.Text;
using Jetstream.Atproto.Syntax;

namespace Jetstream.Atproto.Repo;

/// <summary>
/// Which collections a walk of a repository wants, written as Jetstream's <c>wantedCollections</c>: exact NSIDs
/// (<c>app.bsky.feed.post</c>) and prefixes (<c>app.bsky.*</c>). Each becomes a range of tree keys, so a walk can
/// tell from a subtree's bounds alone whether it may hold a wanted record and skip it when it cannot.
/// </summary>
public sealed class CollectionFilter
{
    private readonly HashSet<string> _exact;
    private readonly string[] _prefixes;

    // Half-open ranges [start, end) of keys: exact "c" is ["c/", "c0") ('0' follows '/'), prefix "p." is ["p.", "p/").
    private readonly (byte[] Start, byte[] End)[] _ranges;

    private CollectionFilter(HashSet<string> exact, string[] prefixes)
    {
        _exact = exact;
        _prefixes = prefixes;
        _ranges = exact.Select(c => (Encoding.ASCII.GetBytes(c + "/"), Encoding.ASCII.GetBytes(c + "0")))
            .Concat(prefixes.Select(p => (Encoding.ASCII.GetBytes(p), Encoding.ASCII.GetBytes(p[..^1] + "/"))))
            .ToArray();
    }

    /// <summary>Every collection.</summary>
    public static CollectionFilter All { get; } = new([], []);

    public bool IsAll => _ranges.Length == 0;

    /// <summary>Parses the patterns; an empty list means every collection. A pattern neither an NSID nor <c>prefix.*</c> is an error naming it.</summary>
    public static CollectionFilter Parse(IEnumerable<string> patterns)
    {
        var exact = new HashSet<string>(StringComparer.Ordinal);
        var prefixes = new List<string>();
        foreach (var pattern in patterns)
        {
            // Any "<prefix>.*" is a plain string prefix, as Jetstream (and this service's API) accept it.
            if (pattern.EndsWith(".*", StringComparison.Ordinal) && pattern.Length > 2)
            {
                prefixes.Add(pattern[..^1]);
            }
            else if (Nsid.IsValid(pattern))
            {
                exact.Add(pattern);
            }
            else
            {
                throw new AtprotoException($"'{Did.Shorten(pattern)}' is neither an NSID nor a prefix like app.bsky.*");
            }
        }
        return exact.Count == 0 && prefixes.Count == 0 ? All : new CollectionFilter(exact, prefixes.Distinct().ToArray());
    }

    public bool Matches(string collection)
    {
        if (IsAll || _exact.Contains(collection))
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

    /// <summary>
    /// False only when no key strictly between <paramref name="after"/> and <paramref name="before"/> (each null for
    /// no bound) can belong to a wanted collection.
    /// </summary>
    public bool MayHoldKeysBetween(ReadOnlySpan<byte> after, bool hasAfter, ReadOnlySpan<byte> before, bool hasBefore)
    {
        if (IsAll)
        {
            return true;
        }
        foreach (var (start, end) in _ranges)
        {
            if ((!hasAfter || after.SequenceCompareTo(end) < 0) && (!hasBefore || before.SequenceCompareTo(start) > 0))
            {
                return true;
            }
        }
        return false;
    }

    public override string ToString() => IsAll ? "*" : string.Join(",", _exact.Concat(_prefixes.Select(p => p + "*")));
}
