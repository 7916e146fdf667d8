namespace Jetstream.Emulator;

/// <summary>
/// Where a connection asked to start. A time cursor (v1 <c>time_us</c>, or a v2 cursor of 1e15 and above) starts at
/// the first retained event at or after it; a seq cursor at that seq. <see cref="RejectSeqBelowFloor"/> is the v2
/// <c>subscribeEvents</c> policy (CursorTooOld); elsewhere a cursor below the floor is clamped silently.
/// </summary>
internal readonly record struct CursorRequest(CursorKind Kind, long Value, bool RejectSeqBelowFloor = false)
{
    /// <summary>[V2] cursor.go: below this a cursor is a seq, from here on a unix-µs timestamp.</summary>
    public const long SeqTimestampSplit = 1_000_000_000_000_000;

    public static readonly CursorRequest Live = new(CursorKind.Live, 0);

    /// <summary>A v2 server's reading of a non-negative cursor (PROTOCOL.md §2.4, §3.1).</summary>
    public static CursorRequest FromV2(long value, bool rejectSeqBelowFloor) =>
        new(value < SeqTimestampSplit ? CursorKind.Seq : CursorKind.TimeUs, value, rejectSeqBelowFloor);
}

internal enum CursorKind
{
    Live,
    TimeUs,
    Seq,
}

/// <summary>
/// The hub's answer: the seq to replay from (<see cref="Live"/> for none), whether a time cursor was older than what
/// is retained (v2 says so with <c>#info OutdatedCursor</c>), or the floor a too-old seq cursor was refused against.
/// </summary>
internal readonly record struct CursorPlan(long StartSeq, bool Outdated, long TooOldFloor)
{
    public const long Live = -1;

    public bool IsLive => StartSeq == Live;

    public bool Refused => TooOldFloor > 0;
}
