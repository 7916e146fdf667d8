namespace Jetstream.Grains.Processing;

/// <summary>
/// The seam's writes to the set partition (a hold's row, a hand-over's mark, a hand-over's removal), each repository's
/// landing in the order they were issued. Holds are stored in the background now (the call returns once they are in
/// memory), so a hand-over asked for in the meantime (a cancelled run) issues its removal while the hold's upsert is
/// still out; landing after it, the upsert would leave a set row no hand-over removes: the repository held for ever
/// after a reload. A write waits only for writes issued before it, so none can wait on itself.
/// Single-threaded: the grain's scheduler.
/// </summary>
internal sealed class SetRowWrites
{
    private const int PruneAt = 1024;
    private readonly Dictionary<string, Task> _last = new(StringComparer.Ordinal);
    private int _pruneAt = PruneAt;

    /// <summary>Runs <paramref name="write"/> once the writes issued before it for any of <paramref name="dids"/> ended (failed or not).</summary>
    public Task Write(IReadOnlyCollection<string> dids, Func<Task> write)
    {
        var before = new HashSet<Task>();
        foreach (var did in dids)
        {
            if (_last.TryGetValue(did, out var last) && !last.IsCompleted)
            {
                before.Add(last);
            }
        }

        var task = before.Count == 0 ? write() : AfterAsync(before, write);
        foreach (var did in dids)
        {
            _last[did] = task;
        }

        Prune();
        return task;
    }

    /// <summary>Every write issued so far; ends when they all did (failed or not).</summary>
    public Task InFlight()
    {
        var open = new HashSet<Task>(_last.Values.Where(t => !t.IsCompleted));
        return open.Count == 0 ? Task.CompletedTask : Task.WhenAll(open);
    }

    private static async Task AfterAsync(HashSet<Task> before, Func<Task> write)
    {
        await Task.WhenAll(before).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing | ConfigureAwaitOptions.ContinueOnCapturedContext);
        await write();
    }

    private void Prune()
    {
        if (_last.Count < _pruneAt)
        {
            return;
        }

        foreach (var did in _last.Where(kv => kv.Value.IsCompleted).Select(kv => kv.Key).ToList())
        {
            _last.Remove(did);
        }

        _pruneAt = Math.Max(PruneAt, _last.Count * 2);
    }
}
