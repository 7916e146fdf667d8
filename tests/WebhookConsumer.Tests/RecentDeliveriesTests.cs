using Jetstream.WebhookConsumer.Schedule;

namespace Jetstream.WebhookConsumer.Tests;

/// <summary>The bounded memory of delivered event ids (<see cref="RecentDeliveries"/>).</summary>
public sealed class RecentDeliveriesTests
{
    [Fact]
    public void An_id_is_remembered_until_capacity_newer_ones_were_delivered()
    {
        var recent = new RecentDeliveries();
        var ids = Enumerable.Range(0, RecentDeliveries.Capacity + 1).Select(i => $"evt_{i:x32}").ToArray();

        foreach (var id in ids[..^1])
        {
            recent.Add(Event(id));
        }

        Assert.True(recent.Contains(Event(ids[0])));
        recent.Add(Event(ids[^1]));
        Assert.False(recent.Contains(Event(ids[0])));
        Assert.True(recent.Contains(Event(ids[1])));
        Assert.True(recent.Contains(Event(ids[^1])));
        Assert.Equal(RecentDeliveries.Capacity, recent.Count);
    }

    [Fact]
    public void Adding_an_id_again_does_not_push_out_another()
    {
        var recent = new RecentDeliveries();
        recent.Add(Event("evt_" + new string('a', 32)));
        recent.Add(Event("evt_" + new string('a', 32)));

        Assert.Equal(1, recent.Count);
    }

    [Theory]
    [InlineData("evt_commit_1733232000000000")]
    [InlineData("msg_p5jXN8AQM9LWM0D4loKWxJek")]
    [InlineData("evt_0123456789abcdef0123456789abcdeX")]
    public void An_id_of_another_form_is_not_remembered_so_it_is_never_mistaken_for_another(string id)
    {
        var recent = new RecentDeliveries();
        recent.Add(Event(id));

        Assert.False(recent.Contains(Event(id)));
        Assert.Equal(0, recent.Count);
    }

    [Fact]
    public void A_copy_has_the_stamp_of_the_delivery_remembered_and_a_replay_a_later_one()
    {
        var recent = new RecentDeliveries();
        var delivered = Event("evt_" + new string('b', 32));
        recent.Add(delivered);

        // The same message written twice carries the same queuedAt; a replay read the event again and stamped it anew.
        Assert.True(recent.Contains(delivered with { }));
        var replayed = delivered with { QueuedAt = delivered.QueuedAt + TimeSpan.FromMinutes(5) };
        Assert.False(recent.Contains(replayed));

        // Once the replay is delivered, a copy of the replay is a copy, and so is a late copy of the first write.
        recent.Add(replayed);
        Assert.True(recent.Contains(replayed with { }));
        Assert.True(recent.Contains(delivered));
        Assert.Equal(1, recent.Count);
    }

    private static readonly DateTimeOffset QueuedAt = new(2026, 12, 6, 12, 0, 0, TimeSpan.Zero);

    private static Jetstream.Storage.QueuedEvent Event(string id) => new() { EventId = id, Did = "did:plc:recent", TimeUs = 1, QueuedAt = QueuedAt };
}
