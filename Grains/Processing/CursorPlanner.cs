using Jetstream.Grains.Connection;
using Jetstream.Grains.Interfaces;

namespace Jetstream.Grains.Processing;

/// <summary>
/// Where each connection starts and which replayed events are already handled, computed before the connection is
/// opened (<see cref="Plan"/>). The same v2 endpoint resumes after its seq; any other start is by time, rewound so a
/// switch between instances misses nothing — unless the last session here was all replayed duplicates (a server
/// dropping us faster than the rewind window replays) or a replay starts: then exactly at the cursor, so progress is
/// guaranteed. A cursor the server named (<c>ConsumerTooSlow</c>, the <c>CursorTooOld</c> floor) is asked for as it is.
/// It keeps no position of its own: it is given the sink's and returns the one the sink continues from.
/// </summary>
public sealed class CursorPlanner(RecentEventIds recentIds, long rewindUs)
{
    private long? _replayFromUs;
    private bool _resumeExactly;

    public static ReplayResult? Refuse(DateTimeOffset from, DateTimeOffset now, int windowHours)
    {
        var window = TimeSpan.FromHours(windowHours);
        return from > now ? ReplayResult.Rejected($"'from' ({from:O}) is in the future.")
            : now - from > window ? ReplayResult.Rejected($"'from' ({from:O}) is older than the servers' retention of {windowHours} h (Jetstream:ReplayWindowHours): the events before {(now - window):O} are no longer served.")
            : null;
    }

    /// <summary>
    /// A subscription with no position yet owes every matching event from the moment its creation was answered (its
    /// document is stored before the answer): the first connection asks from then, exactly, as a replay does, rather
    /// than from whenever the socket happens to open. Not beyond the servers' retention (the subscription is old and
    /// its position was lost): then it starts live.
    /// </summary>
    public void StartFromCreation(CursorPosition position, DateTimeOffset createdAt, DateTimeOffset now, int windowHours)
    {
        if (position.TimeUs is null && _replayFromUs is null && createdAt != default && Refuse(createdAt, now, windowHours) is null)
        {
            _replayFromUs = UnixMicroseconds.From(createdAt);
        }
    }

    /// <summary>Replays from <paramref name="fromUs"/> at the next session (no rewind; the recent ids are forgotten).</summary>
    public void RequestReplay(long fromUs) => _replayFromUs = fromUs;

    /// <summary>
    /// The position a requested replay starts from, once (null when none is pending): it belongs to no endpoint, so no
    /// event is taken for a duplicate by its time, and the recent ids are forgotten, so none is by its id either.
    /// </summary>
    public CursorPosition? TakeReplay()
    {
        if (_replayFromUs is not { } from)
        {
            return null;
        }

        _replayFromUs = null;
        recentIds.Clear();
        _resumeExactly = true;
        return new CursorPosition(from, null, null);
    }

    /// <param name="attempt">The connection's next attempt (<see cref="ConnectionEventKind.ReadyToConnect"/>).</param>
    /// <param name="position">Where the sink is: every event up to it is handled.</param>
    public ResumePlan Plan(in ConnectionEvent attempt, CursorPosition position)
    {
        var endpoint = attempt.Endpoint;
        var wire = attempt.Wire;
        var sameEndpoint = endpoint == position.Endpoint;
        if (wire.SequenceCursor && sameEndpoint && position.Seq is { } seq)
        {
            _resumeExactly = false;
            return new ResumePlan(endpoint, attempt.ServerCursor ?? seq + 1, new ResumeFloor(null, seq), position);
        }

        // A seq belongs to one instance: another endpoint's numbering starts afresh.
        var start = position with { Seq = null };
        var rewind = _resumeExactly || (attempt.LastSessionStalled && sameEndpoint) ? 0 : rewindUs;
        _resumeExactly = false;
        var floor = sameEndpoint && !wire.SequenceCursor ? new ResumeFloor(start.TimeUs, null) : ResumeFloor.None;
        var cursor = start.TimeUs is { } c ? Math.Max(0, c - rewind) : (long?)null;
        return new ResumePlan(endpoint, attempt.ServerCursor ?? cursor, floor, start);
    }
}
