using Jetstream.Grains.Connection;
using Jetstream.Grains.Processing;
using static Jetstream.Grains.Tests.Unit.Cursor.SinkHarness;

namespace Jetstream.Grains.Tests.Unit.Cursor;

public sealed class CursorPlannerTests
{
    private const long Rewind = 5_000_000;
    private const long Cursor = 1_795_000_000_000_000;

    private readonly RecentEventIds _recentIds = new(Rewind + 10_000_000);
    private readonly CursorPlanner _planner;

    public CursorPlannerTests() => _planner = new CursorPlanner(_recentIds, Rewind);

    [Fact]
    public void A_v1_reconnect_to_the_same_endpoint_resumes_five_seconds_before_the_cursor_and_drops_what_it_covers()
    {
        var plan = _planner.Plan(Ready(V1A), new CursorPosition(Cursor, null, V1A));

        Assert.Equal(Cursor - Rewind, plan.Cursor);
        Assert.True(plan.Floor.Covers(Cursor, null));
        Assert.False(plan.Floor.Covers(Cursor + 1, null));
        Assert.Equal(new CursorPosition(Cursor, null, V1A), plan.Start);
    }

    [Fact]
    public void A_v2_reconnect_to_the_same_endpoint_resumes_after_its_seq_with_no_rewind()
    {
        var position = new CursorPosition(Cursor, 41, V2A);
        var plan = _planner.Plan(Ready(V2A), position);

        Assert.Equal(42, plan.Cursor);
        Assert.True(plan.Floor.Covers(Cursor + 99, 41));
        Assert.False(plan.Floor.Covers(Cursor - 99, 42));
        Assert.Equal(position, plan.Start);
    }

    [Fact]
    public void A_session_on_the_same_endpoint_that_was_all_replayed_duplicates_makes_the_next_resume_exactly_at_the_cursor()
    {
        var plan = _planner.Plan(Ready(V1A, stalled: true), new CursorPosition(Cursor, null, V1A));
        Assert.Equal(Cursor, plan.Cursor);

        // On another endpoint the stall says nothing about this clock: the rewind stays.
        Assert.Equal(Cursor - Rewind, _planner.Plan(Ready(V1B, stalled: true), new CursorPosition(Cursor, null, V1A)).Cursor);
    }

    [Theory]
    [InlineData(V1A, V1B)]
    [InlineData(V2A, V2B)]
    [InlineData(V2A, V1A)]
    [InlineData(V1A, V2A)]
    public void Failing_over_to_another_endpoint_resumes_by_time_minus_the_rewind_forgets_the_seq_and_leaves_duplicates_to_the_ids(string from, string to)
    {
        var plan = _planner.Plan(Ready(to), new CursorPosition(Cursor, from == V2A ? 41 : null, from));

        Assert.Equal(Cursor - Rewind, plan.Cursor);
        Assert.Equal(ResumeFloor.None, plan.Floor);
        Assert.Equal(new CursorPosition(Cursor, null, from), plan.Start);
    }

    [Fact]
    public void A_cursor_the_server_named_is_asked_for_as_it_is()
    {
        var plan = _planner.Plan(Ready(V2A, serverCursor: 298), new CursorPosition(Cursor, 41, V2A));
        Assert.Equal(298, plan.Cursor);
        Assert.True(plan.Floor.Covers(0, 41));
    }

    [Fact]
    public void A_replay_starts_exactly_at_its_time_on_no_endpoint_with_the_recent_ids_forgotten()
    {
        _recentIds.Add(EventIds(1), Cursor);
        _planner.RequestReplay(Cursor - 3_600_000_000);

        var start = _planner.TakeReplay();
        Assert.Equal(new CursorPosition(Cursor - 3_600_000_000, null, null), start);
        Assert.Null(_planner.TakeReplay());
        Assert.Equal(0, _recentIds.Count);

        var plan = _planner.Plan(Ready(V1A), start!.Value);
        Assert.Equal(Cursor - 3_600_000_000, plan.Cursor);
        Assert.Equal(ResumeFloor.None, plan.Floor);

        // Exactly once: the session after it rewinds as usual.
        Assert.Equal(Cursor - Rewind, _planner.Plan(Ready(V1A), new CursorPosition(Cursor, null, V1A)).Cursor);
    }

    [Fact]
    public void The_first_connection_with_no_position_asks_for_the_live_stream()
    {
        var plan = _planner.Plan(Ready(V1A), CursorPosition.None);
        Assert.Null(plan.Cursor);
        Assert.Equal(V1A, plan.Endpoint);
    }

    [Fact]
    public void A_failover_and_back_flows_planner_to_sink_to_planner_with_each_session_resuming_where_the_last_left_off()
    {
        using var h = new SinkHarness();
        h.Sink.Restore(new CursorPosition(Cursor, 41, V2A));

        // Failover to B (v2): by time; B's first events move the position onto B's clock and numbering.
        var onB = _planner.Plan(Ready(V2B), h.Sink.Position);
        h.Sink.Restore(onB.Start, onB.Endpoint);
        Assert.Equal(Cursor - Rewind, onB.Cursor);
        h.Sink.Skip(Cursor - 1_000_000, seq: 900);
        h.Add(Cursor + 1_000_000, seq: 901);
        h.Sink.ReaderIdle(CancellationToken.None);
        h.Queue.Attempts[0].Acknowledge();
        Assert.Equal(new CursorPosition(Cursor + 1_000_000, 901, V2B), h.Take().Position);

        // B again: after its seq. Back to A: by time, A's old seq forgotten.
        Assert.Equal(902, _planner.Plan(Ready(V2B), h.Sink.Position).Cursor);
        var backOnA = _planner.Plan(Ready(V2A), h.Sink.Position);
        Assert.Equal(Cursor + 1_000_000 - Rewind, backOnA.Cursor);
        Assert.Equal(new CursorPosition(Cursor + 1_000_000, null, V2B), backOnA.Start);
    }

    private static ConnectionEvent Ready(string endpoint, bool stalled = false, long? serverCursor = null) =>
        new(ConnectionEventKind.ReadyToConnect, endpoint, JetstreamWires.Create(endpoint)!, ServerCursor: serverCursor, LastSessionStalled: stalled);

    private static string EventIds(int n) => Jetstream.Storage.EventIds.ForCommit("did:plc:unit", "app.test.record", "k" + n, "rev", "create");
}
