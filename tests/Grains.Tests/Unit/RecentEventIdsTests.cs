using Jetstream.Storage;
using Jetstream.Grains.Processing;

namespace Jetstream.Grains.Tests.Unit;

public sealed class RecentEventIdsTests
{
    private static string Id(int n) => EventIds.ForCommit("did:plc:" + n, "work.doing.task", "rkey" + n, "rev", "create");

    [Fact]
    public void An_id_is_known_until_it_is_older_than_the_window_of_stream_time()
    {
        var ids = new RecentEventIds(windowUs: 1_000);
        ids.Add(Id(1), timeUs: 10_000);
        ids.Add(Id(2), timeUs: 10_500);

        Assert.True(ids.Contains(Id(1)));
        Assert.True(ids.Contains(Id(2)));
        Assert.False(ids.Contains(Id(3)));

        ids.Add(Id(3), timeUs: 11_001);

        Assert.False(ids.Contains(Id(1)));
        Assert.True(ids.Contains(Id(2)));
        Assert.True(ids.Contains(Id(3)));
        Assert.Equal(2, ids.Count);
    }

    [Fact]
    public void Ids_that_share_a_prefix_are_told_apart()
    {
        var ids = new RecentEventIds(windowUs: 1_000_000);
        var a = EventIds.Prefix + "0123456789abcdef0123456789abcdef";
        var b = EventIds.Prefix + "0123456789abcdef0123456789abcdee";
        ids.Add(a, 1);

        Assert.True(ids.Contains(a));
        Assert.False(ids.Contains(b));
    }

    [Theory]
    [InlineData("evt_xyz")]
    [InlineData("0123456789abcdef0123456789abcdef")]
    [InlineData("evt_0123456789abcdef0123456789abcdeg")]
    public void Something_that_is_not_an_event_id_is_refused_by_name(string id)
    {
        var ex = Assert.Throws<ArgumentException>(() => new RecentEventIds(1).Add(id, 1));
        Assert.Contains(id, ex.Message);
    }
}
