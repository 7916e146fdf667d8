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
            recent.Add(id);
        }

        Assert.True(recent.Contains(ids[0]));
        recent.Add(ids[^1]);
        Assert.False(recent.Contains(ids[0]));
        Assert.True(recent.Contains(ids[1]));
        Assert.True(recent.Contains(ids[^1]));
        Assert.Equal(RecentDeliveries.Capacity, recent.Count);
    }

    [Fact]
    public void Adding_an_id_again_does_not_push_out_another()
    {
        var recent = new RecentDeliveries();
        recent.Add("evt_" + new string('a', 32));
        recent.Add("evt_" + new string('a', 32));

        Assert.Equal(1, recent.Count);
    }

    [Theory]
    [InlineData("evt_commit_1733232000000000")]
    [InlineData("msg_p5jXN8AQM9LWM0D4loKWxJek")]
    [InlineData("evt_0123456789abcdef0123456789abcdeX")]
    public void An_id_of_another_form_is_not_remembered_so_it_is_never_mistaken_for_another(string id)
    {
        var recent = new RecentDeliveries();
        recent.Add(id);

        Assert.False(recent.Contains(id));
        Assert.Equal(0, recent.Count);
    }
}
