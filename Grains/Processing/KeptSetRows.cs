namespace Jetstream.Grains.Processing;

/// <summary>
/// The set rows of repositories handed over at a snapshot rev, kept after the hand-over (still marked releasing, with
/// the rev) for <c>window</c> (<c>Backfill:HandedOverKeepSeconds</c>, as long as <see cref="HandedOverRevs"/> remembers
/// the rev), then removed. A processor that activates again meanwhile (a silo's death) reads them as hand-overs not
/// finished, resumes them (with nothing held: at once, no read) and so knows the revs again: a commit it reads again
/// from its cursor, made before the snapshot, is dropped instead of sent a second time out of rev order. Removed in
/// sweeps at most one a <see cref="Pause"/>, a transaction per 100 rows (as the removals were before, at the
/// hand-over). A repository held again in the window is forgotten here (<see cref="Forget"/>): its row is the new
/// hold's, and a removal already issued lands before the hold's upsert (<see cref="SetRowWrites"/>). An activation's
/// memory of when each was handed over is all there is: one loaded later starts a new window.
/// Single-threaded: the grain's scheduler.
/// </summary>
internal sealed class KeptSetRows(
    SetRowWrites setRows,
    Func<IReadOnlyCollection<string>, Task> remove,
    TimeProvider time,
    TimeSpan window,
    CancellationToken stopping)
{
    /// <summary>The least time between two sweeps: the rows due meanwhile go together.</summary>
    public static readonly TimeSpan Pause = TimeSpan.FromSeconds(1);

    private readonly Dictionary<string, long> _kept = new(StringComparer.Ordinal);
    private readonly Queue<(long At, string Did)> _order = new();
    private Task _sweeping = Task.CompletedTask;

    public bool Contains(string did) => _kept.Count > 0 && _kept.ContainsKey(did);

    /// <summary>Handed over (their rows marked with the snapshot rev): removed once <c>window</c> passed.</summary>
    public void Keep(IEnumerable<string> dids)
    {
        var now = time.GetTimestamp();
        foreach (var did in dids)
        {
            _kept[did] = now;
            _order.Enqueue((now, did));
        }

        if (_sweeping.IsCompleted && _order.Count > 0)
        {
            _sweeping = SweepAsync();
        }
    }

    /// <summary>Held again, or marked again by another hand-over: the row is not this one's to remove any more.</summary>
    public void Forget(string did)
    {
        if (_kept.Count > 0)
        {
            _kept.Remove(did);
        }
    }

    /// <summary>The subscription is deleted: every kept row goes now.</summary>
    public Task RemoveAllAsync()
    {
        string[] dids = [.. _kept.Keys];
        _kept.Clear();
        _order.Clear();
        return dids.Length == 0 ? Task.CompletedTask : setRows.Write(dids, () => remove(dids));
    }

    private async Task SweepAsync()
    {
        try
        {
            while (_order.TryPeek(out var oldest))
            {
                var wait = window - time.GetElapsedTime(oldest.At);
                await Task.Delay(wait > Pause ? wait : Pause, time, stopping);
                var due = Due();
                if (due.Count > 0)
                {
                    await setRows.Write(due, () => remove(due));
                }
            }
        }
        catch (Exception) when (stopping.IsCancellationRequested)
        {
            // The activation ends: the rows stay marked, and the next activation resumes them (a new window).
        }
    }

    /// <summary>The rows kept <c>window</c> or longer, taken out in this step (before any new hold of theirs can come).</summary>
    private List<string> Due()
    {
        var now = time.GetTimestamp();
        var due = new List<string>();
        while (_order.TryPeek(out var oldest) && time.GetElapsedTime(oldest.At, now) >= window)
        {
            _order.Dequeue();
            if (_kept.TryGetValue(oldest.Did, out var at) && at == oldest.At)
            {
                _kept.Remove(oldest.Did);
                due.Add(oldest.Did);
            }
        }

        return due;
    }
}
