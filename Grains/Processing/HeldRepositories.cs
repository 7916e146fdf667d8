namespace Jetstream.Grains.Processing;

/// <summary>
/// What the seam knows in memory of the repositories under backfill (<see cref="LiveSeam"/>): the set, the holds this
/// activation started and the writes of them in flight, the repositories with held commits stored before it loaded, and
/// the snapshot revs of those handed over lately. From the holds and the stored ones a hand-over knows whether a
/// repository can have held commits at all; when it cannot (bench rows a/b: no live traffic, nothing ever held) there is
/// no partition to read, which was a table request per repository on Azurite's one thread.
/// Single-threaded: the grain's scheduler.
/// </summary>
internal sealed class HeldRepositories(TimeProvider time)
{
    private readonly HashSet<string> _held = new(StringComparer.Ordinal);
    private readonly Dictionary<string, long> _holdsStarted = new(StringComparer.Ordinal);
    private readonly Dictionary<string, List<Task>> _writing = new(StringComparer.Ordinal);
    private readonly HashSet<string> _stored = new(StringComparer.Ordinal);
    private readonly HashSet<string> _heldAgain = new(StringComparer.Ordinal);
    private readonly HandedOverRevs _handedOver = new(time);

    public bool Contains(string did) => _held.Count > 0 && _held.Contains(did);

    /// <summary>A copy: hand-overs change the set.</summary>
    public string[] Dids => [.. _held];

    /// <summary>The repositories this activation held a commit of and has not handed over yet.</summary>
    public IEnumerable<string> StartedDids => _holdsStarted.Keys;

    public bool WasHandedOver(string did) => _handedOver.Has(did);

    public bool InSnapshot(string did, string rev) => _handedOver.Covers(did, rev);

    /// <summary>The snapshot rev <paramref name="did"/> was handed over at lately, if any.</summary>
    public string? HandedOverRev(string did) => _handedOver.RevOf(did);

    /// <summary>Held by a new run (or read from the set): its commits wait for the new snapshot.</summary>
    public void Add(string did)
    {
        _held.Add(did);
        _handedOver.Remove(did);
    }

    /// <summary>
    /// Held by a new run while the hand-over of its last run has not left yet (a run started right after one ended):
    /// that hand-over still queues what it holds, but leaves the repository in the set (<see cref="TryLeave"/>) and its
    /// set row where it is. Before, it took out the repository the new hold had just put in, and the new run's commits
    /// passed unheld.
    /// </summary>
    public void HoldAgain(string did) => _heldAgain.Add(did);

    public bool IsHeldAgain(string did) => _heldAgain.Contains(did);

    /// <summary>Its hand-over is over (a hold after it left has its set row stored after the removal: <see cref="SetRowWrites"/>).</summary>
    public void HandOverEnded(string did) => _heldAgain.Remove(did);

    /// <summary>Held for the hold on everyone, joining the set as it ends: a snapshot rev of theirs stays valid.</summary>
    public void Join(IEnumerable<string> dids) => _held.UnionWith(dids);

    /// <summary>
    /// The repositories whose commits can be held for the hold on everyone (not under backfill themselves): those this
    /// activation held a commit of, and those with commits stored before it loaded; known without a read.
    /// </summary>
    public List<string> HeldForEveryone() => [.. _holdsStarted.Keys.Union(_stored, StringComparer.Ordinal).Where(did => !_held.Contains(did))];

    /// <summary>
    /// Repositories with held commits in the table that no hold of this activation accounts for: those of an earlier
    /// activation, read when it loads.
    /// </summary>
    public void Stored(IEnumerable<string> dids) => _stored.UnionWith(dids);

    public void Started(string did, Task write)
    {
        _holdsStarted[did] = _holdsStarted.GetValueOrDefault(did) + 1;
        if (!_writing.TryGetValue(did, out var writes))
        {
            _writing[did] = writes = [];
        }

        writes.RemoveAll(w => w.IsCompleted);
        writes.Add(write);
    }

    /// <summary>False only when the table holds no commit of <paramref name="did"/> and none is on its way there.</summary>
    public bool MayHaveHeld(string did) => _holdsStarted.ContainsKey(did) || _stored.Contains(did);

    /// <summary>How many holds of <paramref name="did"/> this activation started: a hand-over compares it before and after.</summary>
    public long HoldsStarted(string did) => _holdsStarted.GetValueOrDefault(did);

    public Task WritesAsync(string did) => _writing.TryGetValue(did, out var writes) ? Task.WhenAll([.. writes]) : Task.CompletedTask;

    /// <summary>
    /// The hand-over is done if no hold of it started since <paramref name="seen"/>, and the repository leaves the set in
    /// this synchronous step: on the grain's scheduler no commit comes between the check and the removal, so its next one
    /// goes straight to the queue. One held again meanwhile (<see cref="HoldAgain"/>) stays, for the new run.
    /// </summary>
    public bool TryLeave(string did, long seen, string? snapshotRev)
    {
        if (HoldsStarted(did) != seen)
        {
            return false;
        }

        _holdsStarted.Remove(did);
        _writing.Remove(did);
        _stored.Remove(did);
        if (_heldAgain.Remove(did))
        {
            return true;
        }

        _held.Remove(did);
        if (snapshotRev is not null)
        {
            _handedOver.Add(did, snapshotRev);
        }

        return true;
    }
}
