using Jetstream.Storage;
using Jetstream.Grains.Backfill;
using Jetstream.Grains.Interfaces.Backfill;
using Jetstream.Grains.Processing;
using Jetstream.Grains.Tests.Unit.Cursor;
using static Jetstream.Grains.Tests.Unit.Cursor.SinkHarness;

namespace Jetstream.Grains.Tests.Unit.Seam;

public sealed class SeamDecisionTests
{
    [Fact]
    public void A_held_commit_moves_the_position_once_stored_and_only_behind_the_queue_writes_before_it_and_is_not_counted_as_queued()
    {
        var holds = new HeldWritesFake();
        using var h = new SinkHarness(holds: holds);
        h.Sink.Restore(new CursorPosition(100, null, V1A));
        h.Take();

        h.Add(101);
        h.Sink.Hold(Event(102, "did:plc:held"), "app.test.record", "3lrev2", null, CancellationToken.None);

        // What was pending went first, as its own write: the held commit never passes it.
        var write = Assert.Single(h.Queue.Attempts);
        Assert.Equal([101L], write.TimeUs);
        var (held, rev, answer) = Assert.Single(holds.Writes);
        Assert.Equal(("3lrev2", 102L), (rev, held.Event.TimeUs));
        Assert.Equal("did:plc:held", Assert.Single(holds.Started).Did);

        answer.SetResult();
        Assert.False(h.Sink.TryTakeAcknowledged(out _));
        Assert.Equal(100, h.Sink.Position.TimeUs);

        write.Acknowledge();
        var acknowledged = h.Take();
        Assert.Equal(102, acknowledged.Position.TimeUs);
        Assert.Equal([101L], acknowledged.Events.Select(e => e.Event.TimeUs));
    }

    [Fact]
    public void A_failing_hold_pauses_the_sink_and_is_retried_on_the_storage_backoff_until_it_is_stored()
    {
        var holds = new HeldWritesFake { FailNext = 1 };
        using var h = new SinkHarness(holds: holds);
        h.Sink.Hold(Event(101), "app.test.record", "3lrev1", null, CancellationToken.None);

        Assert.True(h.Sink.IsPaused);
        Assert.Contains("table unavailable", h.Sink.LastError, StringComparison.Ordinal);
        Assert.Empty(holds.Writes);

        h.Time.Advance(TimeSpan.FromSeconds(1));
        Assert.Single(holds.Writes).Answer.SetResult();
        Assert.False(h.Sink.IsPaused);
        Assert.Equal(101, h.Take().Position.TimeUs);
        // The write the seam waits for is the retried one, not its first attempt.
        Assert.True(Assert.Single(holds.Started).Write.IsCompletedSuccessfully);
    }

    [Fact]
    public void A_hand_over_queues_the_commits_after_the_snapshots_rev_in_rev_order_and_drops_the_rest()
    {
        HeldEvent[] held = [Held("3lrev00000012", "b"), Held("3lrev00000005", "a"), Held("3lrev00000010", "c"), Held("3lrev00000011", "d")];

        var kept = SeamHandOver.ToQueue(held, new HeldRelease("did:plc:unit", "3lrev00000010"));

        Assert.Equal(["3lrev00000011", "3lrev00000012"], kept.Select(k => k.Rev));
        Assert.Equal(4, SeamHandOver.ToQueue(held, new HeldRelease("did:plc:unit", null)).Count);
        Assert.Equal(["3lrev00000005", "3lrev00000010", "3lrev00000011", "3lrev00000012"], SeamHandOver.ToQueue(held, new HeldRelease("did:plc:unit", null)).Select(k => k.Rev));
        Assert.Empty(SeamHandOver.ToQueue(held, new HeldRelease("did:plc:unit", null, Drop: true)));
    }

    private static HeldEvent Held(string rev, string rkey)
    {
        var id = EventIds.ForCommit("did:plc:unit", "app.test.record", rkey, rev, "create");
        return new HeldEvent(rev + "~" + id, rev, Event(1) with { EventId = id });
    }
}
