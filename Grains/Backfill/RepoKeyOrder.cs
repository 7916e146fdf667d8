namespace Jetstream.Grains.Backfill;

/// <summary>
/// The order of a repository's tree: its keys <c>collection/rkey</c> compared byte by byte. That is not the order of
/// (collection, rkey) compared field by field: <c>a.b.c/…</c> comes before <c>a.b/…</c> because <c>.</c> is below
/// <c>/</c>. The repair index is kept in the tree's order, so the walk merges the two with one comparison and no
/// per-collection reads. Keys are ASCII (NSIDs and record keys), so UTF-16 ordinal order is byte order.
/// </summary>
internal static class RepoKeyOrder
{
    public static int Compare(string collectionA, string rkeyA, string collectionB, string rkeyB)
    {
        var byCollection = CompareCollections(collectionA, collectionB);
        return byCollection != 0 ? byCollection : string.CompareOrdinal(rkeyA, rkeyB);
    }

    /// <summary>Compares <c>a + "/"</c> with <c>b + "/"</c> without making either string.</summary>
    public static int CompareCollections(string a, string b)
    {
        if (ReferenceEquals(a, b))
        {
            return 0;
        }

        var common = Math.Min(a.Length, b.Length);
        var byPrefix = a.AsSpan(0, common).SequenceCompareTo(b.AsSpan(0, common));
        if (byPrefix != 0 || a.Length == b.Length)
        {
            return byPrefix;
        }

        // One is a prefix of the other: the shorter continues with '/', the longer with an NSID character.
        return a.Length < b.Length ? '/' - b[common] : a[common] - '/';
    }
}
