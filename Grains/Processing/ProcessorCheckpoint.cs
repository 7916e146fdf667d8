namespace Jetstream.Grains.Processing;

/// <summary>
/// Persists the processor's state (the position and the counters): after <c>everyCommits</c> acknowledged events, on
/// the timer while anything changed, after each session, and on the way out. It is handed the acknowledged position
/// (<see cref="Acknowledged"/>) and is the only writer of the persisted one, so what is stored is always a position the
/// sink derived from acknowledged writes. Writes are coalesced (<see cref="CoalescingCheckpoint"/>); a failed write
/// leaves the state marked changed, so the timer tries again.
/// </summary>
public sealed class ProcessorCheckpoint
{
    private readonly IPersistentState<ProcessorState> _state;
    private readonly int _everyCommits;
    private readonly Action<Exception> _failed;
    private readonly CoalescingCheckpoint _writes;
    private CursorPosition _position;
    private long _commitsSinceWrite;
    private bool _changed;

    public ProcessorCheckpoint(IPersistentState<ProcessorState> state, int everyCommits, Action<Exception> failed)
    {
        _state = state;
        _everyCommits = everyCommits;
        _failed = failed;
        _position = state.State.GetPosition();
        _writes = new CoalescingCheckpoint(WriteAsync);
    }

    /// <summary>Deleted: nothing is written any more.</summary>
    public bool Disabled { get; set; }

    /// <summary>The write in flight, or a completed task.</summary>
    public Task Current => _writes.Current;

    /// <summary>The position to persist at the next write.</summary>
    public CursorPosition Position => _position;

    /// <summary>The counters changed (they are written with the next checkpoint).</summary>
    public void Changed() => _changed = true;

    /// <summary>
    /// The sink acknowledged <paramref name="events"/> more (perhaps none), up to <paramref name="position"/>; writes when
    /// enough have been since the last write. A position equal to the stored one is no change: a duplicate activation
    /// that lived for a moment while membership settled must not write over the one the real activation keeps.
    /// </summary>
    public void Acknowledged(CursorPosition position, int events)
    {
        _position = position;
        if (events == 0)
        {
            return;
        }

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

    private bool HasChanges => _changed || _state.State.GetPosition() != _position;

    private async Task<bool> WriteAsync()
    {
        if (Disabled)
        {
            return true;
        }

        _state.State.SetPosition(_position);
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
            // died). This one is reading and its position covers what it queued: take the stored ETag, keep its own
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
