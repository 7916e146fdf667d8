namespace Jetstream.Grains.Processing;

/// <summary>
/// When the processor's state (cursor, seq, counters) is written: after <c>everyCommits</c> acknowledged events, on the
/// timer while anything changed, after each session, and on the way out. Writes are coalesced
/// (<see cref="CoalescingCheckpoint"/>); a failed write leaves the state marked changed, so the timer tries again.
/// </summary>
public sealed class ProcessorCheckpoint
{
    private readonly IPersistentState<ProcessorState> _state;
    private readonly QueueSink _sink;
    private readonly int _everyCommits;
    private readonly Action<Exception> _failed;
    private readonly CoalescingCheckpoint _writes;
    private long _commitsSinceWrite;
    private bool _changed;

    public ProcessorCheckpoint(IPersistentState<ProcessorState> state, QueueSink sink, int everyCommits, Action<Exception> failed)
    {
        _state = state;
        _sink = sink;
        _everyCommits = everyCommits;
        _failed = failed;
        _writes = new CoalescingCheckpoint(WriteAsync);
    }

    /// <summary>Deleted: nothing is written any more.</summary>
    public bool Disabled { get; set; }

    /// <summary>The write in flight, or a completed task.</summary>
    public Task Current => _writes.Current;

    public void Changed() => _changed = true;

    /// <summary><paramref name="events"/> more were acknowledged; writes when enough have been since the last write.</summary>
    public void Acknowledged(int events)
    {
        _changed = true;
        _commitsSinceWrite += events;
        if (_commitsSinceWrite >= _everyCommits)
        {
            Request();
        }
    }

    public void Request() => _writes.Request();

    /// <summary>The timer's tick: writes if anything changed since the last write.</summary>
    public void Tick()
    {
        if (HasChanges)
        {
            Request();
        }
    }

    /// <summary>Writes now if anything changed since the last write (the way out).</summary>
    public Task<bool> WriteIfChangedAsync() => HasChanges ? WriteAsync() : Task.FromResult(true);

    private bool HasChanges => _changed || _state.State.Cursor != _sink.Cursor || _state.State.CursorSeq != _sink.CursorSeq;

    private async Task<bool> WriteAsync()
    {
        if (Disabled)
        {
            return true;
        }

        _state.State.Cursor = _sink.Cursor;
        _state.State.CursorSeq = _sink.CursorSeq;
        _commitsSinceWrite = 0;
        _changed = false;
        try
        {
            await _state.WriteStateAsync();
            return true;
        }
        catch (Orleans.Storage.InconsistentStateException ex)
        {
            // Another activation of this subscription wrote since this one read (a duplicate while a silo joined or
            // died). This one is reading and its cursor covers what it queued: take the stored ETag, keep its own
            // values, and write them at the next checkpoint. Left alone, every later write would fail the same way.
            _changed = true;
            _failed(ex);
            var mine = _state.State;
            try
            {
                await _state.ReadStateAsync();
            }
            catch (Exception readFailure)
            {
                _failed(readFailure);
            }

            _state.State = mine;
            return false;
        }
        catch (Exception ex)
        {
            _changed = true;
            _failed(ex);
            return false;
        }
    }
}
