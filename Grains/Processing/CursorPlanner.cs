using Jetstream.Grains.Connection;
using Jetstream.Grains.Interfaces;

namespace Jetstream.Grains.Processing;

/// <summary>
/// Where each connection starts and which replayed events are already handled. The same v2 endpoint resumes after its
/// seq; any other start is by time, rewound so a switch between instances misses nothing — unless the last session
/// here was all replayed duplicates (a server dropping us faster than the rewind window replays) or a replay starts:
/// then exactly at the cursor, so progress is guaranteed. A replay moves the cursor back between sessions.
/// </summary>
public sealed class CursorPlanner(QueueSink sink, IPersistentState<ProcessorState> state, RecentEventIds recentIds, ProcessorMetrics metrics, long rewindUs)
{
    private long? _replayFromUs;
    private bool _resumeExactly;
    private bool _lastSessionStalled;

    /// <summary>What the current session's replay may repeat (see <see cref="ResumeFloor"/>).</summary>
    public ResumeFloor Floor { get; private set; }

    public static ReplayResult? Refuse(DateTimeOffset from, DateTimeOffset now, int windowHours)
    {
        var window = TimeSpan.FromHours(windowHours);
        return from > now ? ReplayResult.Rejected($"'from' ({from:O}) is in the future.")
            : now - from > window ? ReplayResult.Rejected($"'from' ({from:O}) is older than the servers' retention of {windowHours} h (Jetstream:ReplayWindowHours): the events before {(now - window):O} are no longer served.")
            : null;
    }

    /// <summary>Replays from <paramref name="fromUs"/> at the next session (no rewind; the recent ids are forgotten).</summary>
    public void RequestReplay(long fromUs) => _replayFromUs = fromUs;

    public void SessionEnded(bool madeProgress) => _lastSessionStalled = !madeProgress;

    /// <summary>Applies a pending replay; true when the cursor moved (the caller checkpoints). Only while the sink is idle.</summary>
    public bool StartPendingReplay()
    {
        if (_replayFromUs is not { } from)
        {
            return false;
        }

        _replayFromUs = null;
        sink.Restore(from);
        recentIds.Clear();
        state.State.CursorEndpoint = null;
        _resumeExactly = true;
        metrics.Cursor(from);
        return true;
    }

    /// <summary>The cursor to ask <paramref name="endpoint"/> for (asked between sessions, when the sink is idle).</summary>
    public long? ResumeAt(string endpoint, IJetstreamWire wire)
    {
        var sameEndpoint = endpoint == state.State.CursorEndpoint;
        if (wire.SequenceCursor && sameEndpoint && sink.CursorSeq is { } seq)
        {
            Floor = new ResumeFloor(null, seq);
            return seq + 1;
        }

        // A seq belongs to one instance: another endpoint's numbering starts afresh.
        sink.Restore(sink.Cursor);
        var cursor = sink.Cursor;
        var rewind = _resumeExactly || (_lastSessionStalled && sameEndpoint) ? 0 : rewindUs;
        _resumeExactly = false;
        Floor = sameEndpoint && !wire.SequenceCursor ? new ResumeFloor(cursor, null) : ResumeFloor.None;
        return cursor is { } c ? Math.Max(0, c - rewind) : null;
    }
}
