using Jetstream.Grains.Tests.Unit.Seam;
using static Jetstream.Grains.Tests.Unit.Cursor.SinkHarness;

namespace Jetstream.Grains.Tests.Unit.Cursor;

/// <summary>
/// Issue 18's end-to-end test saw two live commits of one repository delivered swapped (1 run in 30): while other
/// repositories were held, each held commit flushed what was pending as a write of its own, so two messages with
/// events of one live repository were out at once, and a consumer woken by the later one's acknowledgement received
/// it without the earlier one. A DID's writes now go one after another; writes of other DIDs still overlap.
/// </summary>
public sealed class DidWriteOrderTests
{
    private const string Live = "did:plc:live";
    private const string Held = "did:plc:held";

    [Fact]
    public void A_message_with_a_dids_event_is_written_only_once_the_queue_acknowledged_the_one_before_it_with_that_did()
    {
        var holds = new HeldWritesFake();
        using var h = new SinkHarness(holds: holds);

        // As the end-to-end test's stream goes mid-backfill: the live repository's commits between held ones.
        h.Add(101, did: Live);
        h.Sink.Hold(Event(102, Held), "app.test.record", "3lrev2", null, CancellationToken.None);
        h.Add(103, did: Live);
        h.Sink.Hold(Event(104, Held), "app.test.record", "3lrev4", null, CancellationToken.None);

        var first = Assert.Single(h.Queue.Attempts);
        Assert.Equal([101L], first.TimeUs);

        // The held repository's second commit is stored only after its first: the hand-over reads them in that order.
        var (firstHeld, _, stored) = Assert.Single(holds.Writes);
        Assert.Equal(102, firstHeld.Event.TimeUs);
        stored.SetResult();
        Assert.Equal(2, holds.Writes.Count);

        first.Acknowledge();
        Assert.Equal(2, h.Queue.Attempts.Count);
        Assert.Equal([103L], h.Queue.Attempts[1].TimeUs);
    }

    [Fact]
    public void Messages_of_other_dids_are_written_side_by_side_and_a_message_waits_for_every_earlier_one_it_shares_a_did_with()
    {
        using var h = new SinkHarness();
        h.Add(101, did: "did:plc:a");
        h.Add(102, did: "did:plc:b");
        h.Add(103, did: "did:plc:c");
        h.Add(104, did: "did:plc:d");
        h.Add(105, did: "did:plc:e");
        h.Add(106, did: "did:plc:f");
        h.Add(107, did: "did:plc:a");
        h.Add(108, did: "did:plc:d");
        h.Add(109, did: "did:plc:g");

        // Three events a message: the first two side by side, the third behind both.
        Assert.Equal(2, h.Queue.Attempts.Count);
        h.Queue.Attempts[1].Acknowledge();
        Assert.Equal(2, h.Queue.Attempts.Count);
        h.Queue.Attempts[0].Acknowledge();
        Assert.Equal(3, h.Queue.Attempts.Count);
        Assert.Equal([107L, 108, 109], h.Queue.Attempts[2].TimeUs);
        h.Queue.Attempts[2].Acknowledge();
        Assert.Equal(109, h.Take().Position.TimeUs);
    }

    [Fact]
    public void A_held_commit_is_stored_only_once_the_message_with_its_dids_earlier_event_is_acknowledged()
    {
        var holds = new HeldWritesFake();
        using var h = new SinkHarness(holds: holds);
        h.Add(101, did: Held);
        h.Sink.Hold(Event(102, Held), "app.test.record", "3lrev2", null, CancellationToken.None);

        // The hand-over waits for the hold's write and then queues the commit: after the message before it, then.
        var (_, write) = Assert.Single(holds.Started);
        Assert.Empty(holds.Writes);
        Assert.False(write.IsCompleted);

        h.Queue.Attempts[0].Acknowledge();
        var (_, _, answer) = Assert.Single(holds.Writes);
        answer.SetResult();
        Assert.True(write.IsCompletedSuccessfully);
        Assert.Equal(102, h.Take().Position.TimeUs);
    }
}
