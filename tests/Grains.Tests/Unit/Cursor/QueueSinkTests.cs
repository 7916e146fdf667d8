using static Jetstream.Grains.Tests.Unit.Cursor.SinkHarness;

namespace Jetstream.Grains.Tests.Unit.Cursor;

public sealed class QueueSinkTests
{
    [Fact]
    public void The_position_moves_only_over_the_prefix_of_writes_the_queue_acknowledged()
    {
        using var h = new SinkHarness();
        h.Sink.Restore(new CursorPosition(100, null, V1A));
        Assert.True(h.Sink.TryTakeAcknowledged(out _));

        // Each of its own DID: messages of one DID are written one after another (DidWriteOrderTests).
        foreach (var t in new long[] { 101, 102, 103, 104, 105, 106 })
        {
            h.Add(t, did: "did:plc:t" + t);
        }

        Assert.Equal(2, h.Queue.Attempts.Count);
        h.Queue.Attempts[1].Acknowledge();
        Assert.False(h.Sink.TryTakeAcknowledged(out _));
        Assert.Equal(100, h.Sink.Position.TimeUs);

        h.Queue.Attempts[0].Acknowledge();
        var acknowledged = h.Take();
        Assert.Equal(new CursorPosition(106, null, V1A), acknowledged.Position);
        Assert.Equal([101L, 102, 103, 104, 105, 106], acknowledged.Events.Select(e => e.Event.TimeUs));
        Assert.False(h.Sink.TryTakeAcknowledged(out _));
    }

    [Fact]
    public void A_skipped_event_moves_the_position_at_once_when_idle_and_only_behind_the_writes_before_it_otherwise()
    {
        using var h = new SinkHarness();
        h.Sink.Skip(101);
        Assert.Equal(new CursorPosition(101, null, null), h.Take().Position);

        h.Add(102);
        h.Sink.Skip(103);
        Assert.False(h.Sink.TryTakeAcknowledged(out _));

        h.Sink.ReaderIdle(CancellationToken.None);
        var write = Assert.Single(h.Queue.Attempts);
        Assert.Equal([102L], write.TimeUs);
        write.Acknowledge();
        var acknowledged = h.Take();
        Assert.Equal(103, acknowledged.Position.TimeUs);
        Assert.Single(acknowledged.Events);
    }

    [Fact]
    public void Events_arriving_while_a_write_is_out_go_together_when_it_finishes_if_the_reader_is_idle()
    {
        using var h = new SinkHarness();
        h.Add(101);
        h.Sink.ReaderIdle(CancellationToken.None);
        h.Sink.ReaderBusy();
        h.Add(102);
        h.Add(103);
        h.Sink.ReaderIdle(CancellationToken.None);
        Assert.Single(h.Queue.Attempts);

        h.Queue.Attempts[0].Acknowledge();
        Assert.Equal(2, h.Queue.Attempts.Count);
        Assert.Equal([102L, 103], h.Queue.Attempts[1].TimeUs);
        h.Queue.Attempts[1].Acknowledge();
        Assert.Equal(103, h.Take().Position.TimeUs);
    }

    [Fact]
    public async Task A_refused_write_pauses_the_reader_holds_the_reconnect_and_moves_the_position_only_once_a_retry_is_acknowledged()
    {
        using var h = new SinkHarness();
        h.Sink.Restore(new CursorPosition(100, null, V1A), V1A);
        h.Sink.TryTakeAcknowledged(out _);
        h.Add(101);
        h.Add(102);
        h.Add(103);
        h.Queue.Attempts[0].Refuse();
        Assert.True(h.Sink.IsPaused);
        Assert.Contains("Storage refused the write", h.Sink.LastError);

        // The session ends: the reconnect waits for the write, which is retried on the storage backoff (100 ms ± 20 %).
        var drained = h.Sink.DrainAsync(CancellationToken.None);
        Assert.False(drained.IsCompleted);
        Assert.False(h.Sink.TryTakeAcknowledged(out _));
        h.Time.Advance(TimeSpan.FromMilliseconds(130));
        Assert.Equal(2, h.Queue.Attempts.Count);
        h.Queue.Attempts[1].Acknowledge();
        await drained;

        Assert.False(h.Sink.IsPaused);
        Assert.Null(h.Sink.LastError);
        var acknowledged = h.Take();
        Assert.Equal(new CursorPosition(103, null, V1A), acknowledged.Position);
        Assert.Equal(3, acknowledged.Events.Count);
        Assert.Single(h.Queue.Messages);
    }

    [Fact]
    public async Task After_a_failover_the_position_names_the_new_endpoint_only_once_one_of_its_events_moved_it()
    {
        using var h = new SinkHarness();
        h.Sink.Restore(new CursorPosition(100, 7, V2A), V2A);
        h.Sink.TryTakeAcknowledged(out _);
        h.Add(101, seq: 8);
        h.Sink.ReaderIdle(CancellationToken.None);
        var drained = h.Sink.DrainAsync(CancellationToken.None);
        h.Queue.Attempts[0].Acknowledge();
        await drained;
        Assert.Equal(new CursorPosition(101, 8, V2A), h.Take().Position);

        // The next session, on another endpoint, starts from the position by time (a seq is one instance's own).
        h.Sink.Restore(h.Sink.Position with { Seq = null }, V2B);
        Assert.Equal(new CursorPosition(101, null, V2A), h.Take().Position);
        h.Add(102, seq: 500);
        h.Sink.ReaderIdle(CancellationToken.None);
        Assert.False(h.Sink.TryTakeAcknowledged(out _));
        h.Queue.Attempts[1].Acknowledge();
        Assert.Equal(new CursorPosition(102, 500, V2B), h.Take().Position);
    }

    [Fact]
    public void Writes_abandoned_on_the_way_out_never_move_the_position_so_their_events_replay_from_it()
    {
        using var h = new SinkHarness();
        h.Sink.Restore(new CursorPosition(100, null, V1A), V1A);
        h.Sink.TryTakeAcknowledged(out _);
        h.Add(101);
        h.Sink.ReaderIdle(CancellationToken.None);
        h.Add(102);
        h.Sink.Abandon();
        h.Queue.Attempts[0].Acknowledge();
        Assert.False(h.Sink.TryTakeAcknowledged(out _));
        Assert.Equal(new CursorPosition(100, null, V1A), h.Sink.Position);
    }

    [Fact]
    public void Restoring_the_position_it_already_has_is_no_move()
    {
        using var h = new SinkHarness();
        h.Sink.Restore(CursorPosition.None, V1A);
        Assert.False(h.Sink.TryTakeAcknowledged(out _));
        h.Sink.Restore(new CursorPosition(5, null, V1A), V1B);
        Assert.Equal(new CursorPosition(5, null, V1A), h.Take().Position);
        h.Sink.Skip(4);
        Assert.False(h.Sink.TryTakeAcknowledged(out _));
        h.Sink.Skip(6);
        Assert.Equal(new CursorPosition(6, null, V1B), h.Take().Position);
    }
}
