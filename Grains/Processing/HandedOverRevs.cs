namespace Jetstream.Grains.Processing;

/// <summary>
/// The snapshot rev of each repository handed over to live lately (<see cref="LiveSeam"/>). A commit the processor reads
/// after its repository's hand-over with a rev at most the snapshot's is in the snapshot already: it was made before
/// the repository was read, but the processor, behind the stream, read it only after the hand-over, and sent it after
/// the snapshot's records under its live id (issue 18's end-to-end test on a loaded machine: a create delivered twice,
/// the second time out of rev order). Dropping such a commit is right whenever it comes (revs only grow), so entries
/// are kept only to bound the memory: <see cref="Window"/> after the hand-over, then forgotten as others are added. A
/// processor activated again after a silo's death learns them again from the set rows kept as long (<see cref="KeptSetRows"/>).
/// Single-threaded: the grain's scheduler.
/// </summary>
internal sealed class HandedOverRevs(TimeProvider time)
{
    public static readonly TimeSpan Window = TimeSpan.FromMinutes(10);

    private readonly Dictionary<string, string> _revs = new(StringComparer.Ordinal);
    private readonly Queue<(long At, string Did, string Rev)> _added = new();

    public void Add(string did, string snapshotRev)
    {
        var now = time.GetTimestamp();
        while (_added.TryPeek(out var oldest) && time.GetElapsedTime(oldest.At, now) > Window)
        {
            _added.Dequeue();
            if (_revs.TryGetValue(oldest.Did, out var rev) && ReferenceEquals(rev, oldest.Rev))
            {
                _revs.Remove(oldest.Did);
            }
        }

        _revs[did] = snapshotRev;
        _added.Enqueue((now, did, snapshotRev));
    }

    /// <summary>Held again (a new run): its commits wait for the new snapshot.</summary>
    public void Remove(string did) => _revs.Remove(did);

    public bool Has(string did) => _revs.Count > 0 && _revs.ContainsKey(did);

    public string? RevOf(string did) => _revs.Count > 0 && _revs.TryGetValue(did, out var rev) ? rev : null;

    /// <summary>True when <paramref name="rev"/> of <paramref name="did"/> is at most the snapshot rev it was handed over at.</summary>
    public bool Covers(string did, string rev) => _revs.TryGetValue(did, out var snapshotRev) && string.CompareOrdinal(rev, snapshotRev) <= 0;
}
