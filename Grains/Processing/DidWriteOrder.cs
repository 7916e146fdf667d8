namespace Jetstream.Grains.Processing;

/// <summary>
/// A DID's writes start one after another: a write that carries a DID waits until the earlier write of that DID has
/// ended (the queue or the held-commit table acknowledged it). Several writes are in flight at once and the queue may
/// make them visible in any order; a consumer woken by the later one's acknowledgement received it without the earlier
/// one and delivered a DID's events swapped (issue 18's end-to-end test: two live commits of one repository out of rev
/// order). Held commits of a DID go one after another too: the hand-over reads the DID's partition while later holds
/// may be in flight, and stored in order what it reads is always the first of them, so what it queues never passes a
/// held commit still being stored (stored side by side, a later one read without an earlier one went first: the
/// end-to-end test, once). Writes of other DIDs still overlap. A waiting write is started by <see cref="Ended"/>, which the sink calls
/// as each write ends, rather than by a continuation on the earlier writes: a task with two continuations runs them
/// asynchronously, and the sink's tests drive it inline. Single-threaded: the sink's scheduler.
/// </summary>
internal sealed class DidWriteOrder
{
    private readonly Dictionary<string, Task> _last = new(StringComparer.Ordinal);
    private readonly List<Waiting> _waiting = [];

    /// <summary>Starts <paramref name="write"/> now, or once the earlier writes of its DIDs have ended.</summary>
    public Task Start(IReadOnlyCollection<string> dids, Func<Task> write)
    {
        var earlier = new List<Task>();
        foreach (var did in dids)
        {
            if (_last.TryGetValue(did, out var last) && !last.IsCompleted && !earlier.Contains(last))
            {
                earlier.Add(last);
            }
        }

        Task started;
        if (earlier.Count == 0)
        {
            started = write();
        }
        else
        {
            var waiting = new Waiting(earlier, write, new TaskCompletionSource());
            _waiting.Add(waiting);
            started = waiting.Done.Task;
        }

        foreach (var did in dids)
        {
            _last[did] = started;
        }

        return started;
    }

    /// <summary>A write ended: the waiting writes whose earlier writes have all ended start, in the order they came.</summary>
    public void Ended()
    {
        for (var i = 0; i < _waiting.Count;)
        {
            var waiting = _waiting[i];
            if (waiting.Earlier.TrueForAll(t => t.IsCompleted))
            {
                _waiting.RemoveAt(i);
                _ = RunAsync(waiting);
            }
            else
            {
                i++;
            }
        }
    }

    /// <summary>
    /// The sink collected <paramref name="write"/> (acknowledged): its DIDs are forgotten unless a later write took them.
    /// </summary>
    public void Forget(IReadOnlyCollection<string> dids, Task write)
    {
        foreach (var did in dids)
        {
            if (_last.TryGetValue(did, out var last) && ReferenceEquals(last, write))
            {
                _last.Remove(did);
            }
        }
    }

    /// <summary>Writes abandoned on the way out (deactivation): those still waiting never start, and say so.</summary>
    public void Clear()
    {
        foreach (var waiting in _waiting)
        {
            waiting.Done.TrySetCanceled();
        }

        _waiting.Clear();
        _last.Clear();
    }

    private static async Task RunAsync(Waiting waiting)
    {
        try
        {
            await waiting.Write();
            waiting.Done.TrySetResult();
        }
        catch (OperationCanceledException)
        {
            waiting.Done.TrySetCanceled();
        }
        catch (Exception ex)
        {
            waiting.Done.TrySetException(ex);
        }
    }

    private sealed record Waiting(List<Task> Earlier, Func<Task> Write, TaskCompletionSource Done);
}
