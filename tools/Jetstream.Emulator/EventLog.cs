namespace Jetstream.Emulator;

/// <summary>
/// The retained events, addressed by sequence number (the v2 wire's cursor: instance-local, from 1, PROTOCOL.md §3.1).
/// Trimming is exact, so the floor a test sets is the floor a client sees; the list is compacted only when more than
/// half of it is trimmed, which keeps trimming O(1) amortised. Not thread-safe: the hub's lock guards it.
/// </summary>
internal sealed class EventLog
{
    private const int CompactAbove = 4096;

    private readonly List<LoggedEvent> _items = [];
    private long _firstSeq = 1;
    private int _head;

    /// <summary>Seq of the oldest retained event (<see cref="NextSeq"/> when nothing is retained).</summary>
    public long FloorSeq => _firstSeq + _head;

    public long NextSeq => _firstSeq + _items.Count;

    public int Count => _items.Count - _head;

    /// <summary><c>time_us</c> of the newest event trimmed so far (0 if none): a time cursor at or before it has lost events.</summary>
    public long LastTrimmedTimeUs { get; private set; }

    public LoggedEvent Oldest => _items[_head];

    public void Append(LoggedEvent logged) => _items.Add(logged);

    /// <summary>Copies up to <paramref name="max"/> events from <paramref name="fromSeq"/> (at or above the floor).</summary>
    public void CopyTo(long fromSeq, int max, List<LoggedEvent> into)
    {
        var index = (int)(fromSeq - _firstSeq);
        into.AddRange(_items.GetRange(index, (int)Math.Min(max, NextSeq - fromSeq)));
    }

    public IReadOnlyList<LoggedEvent> Snapshot() => _items.GetRange(_head, Count);

    /// <summary>Seq of the first retained event with <c>time_us &gt;= timeUs</c> (the floor if all are later, <see cref="NextSeq"/> if none).</summary>
    public long FirstSeqAtOrAfterTime(long timeUs)
    {
        int low = _head, high = _items.Count;
        while (low < high)
        {
            var mid = (low + high) >>> 1;
            if (_items[mid].TimeUs < timeUs)
            {
                low = mid + 1;
            }
            else
            {
                high = mid;
            }
        }

        return _firstSeq + low;
    }

    /// <summary>Drops every event below <paramref name="seq"/>.</summary>
    public void TrimBelow(long seq)
    {
        var target = (int)(Math.Clamp(seq, FloorSeq, NextSeq) - _firstSeq);
        if (target == _head)
        {
            return;
        }

        LastTrimmedTimeUs = _items[target - 1].TimeUs;
        _head = target;
        if (_head > CompactAbove && _head > _items.Count / 2)
        {
            _items.RemoveRange(0, _head);
            _firstSeq += _head;
            _head = 0;
        }
    }

    public void TrimOlderThan(long timeUs) => TrimBelow(FirstSeqAtOrAfterTime(timeUs));

    public void TrimToCount(int max) => TrimBelow(NextSeq - max);

    /// <summary>
    /// Where a connection asking for <paramref name="cursor"/> starts in this log at <paramref name="nowUs"/>: a
    /// replay from a seq (a trimmed start flagged outdated, a seq below the floor clamped or refused) or the live tail.
    /// </summary>
    public CursorPlan Plan(CursorRequest cursor, long nowUs)
    {
        switch (cursor.Kind)
        {
            case CursorKind.TimeUs when cursor.Value <= nowUs:
                // Some event at or after the cursor was trimmed: the client's start is gone (v2 says OutdatedCursor).
                var outdated = cursor.Value <= LastTrimmedTimeUs;
                return new CursorPlan(FirstSeqAtOrAfterTime(cursor.Value), outdated, 0);
            case CursorKind.Seq:
                // [V2] cursor.go: seq 0 means "before the first event"; at or past the next seq is a live tail.
                var seq = Math.Max(cursor.Value, 1);
                if (seq >= NextSeq)
                {
                    return new CursorPlan(CursorPlan.Live, false, 0);
                }

                if (seq < FloorSeq)
                {
                    return cursor.RejectSeqBelowFloor ? new CursorPlan(CursorPlan.Live, false, FloorSeq) : new CursorPlan(FloorSeq, false, 0);
                }

                return new CursorPlan(seq, false, 0);
            default:
                return new CursorPlan(CursorPlan.Live, false, 0);
        }
    }
}
