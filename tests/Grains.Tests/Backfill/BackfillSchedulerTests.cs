using Jetstream.Grains.Backfill;

namespace Jetstream.Grains.Tests.Backfill;

public sealed class BackfillSchedulerTests
{
    private static readonly DateTimeOffset Now = new(2026, 12, 6, 12, 0, 0, TimeSpan.Zero);

    [Fact]
    public void Starts_at_most_the_global_limit_and_at_most_the_per_host_limit()
    {
        var scheduler = new BackfillScheduler(maxRepos: 5, maxPerHost: 2, TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(8));
        for (var i = 0; i < 10; i++)
        {
            scheduler.Enqueue($"did:plc:a{i}", "a.example");
        }

        scheduler.Enqueue("did:plc:b0", "b.example");
        scheduler.Enqueue("did:plc:c0", "c.example");

        var started = scheduler.Take(Now);

        Assert.Equal(4, started.Count);
        Assert.Equal(2, started.Count(s => s.Host == "a.example"));
        Assert.Single(started, s => s.Host == "b.example");
        Assert.Single(started, s => s.Host == "c.example");
        Assert.Empty(scheduler.Take(Now));
    }

    [Fact]
    public void A_rate_limited_host_gives_back_its_slot_and_waits_until_the_servers_time_while_other_hosts_go_on()
    {
        var scheduler = new BackfillScheduler(maxRepos: 1, maxPerHost: 1, TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(8));
        scheduler.Enqueue("did:plc:a0", "a.example");
        scheduler.Enqueue("did:plc:b0", "b.example");
        var first = Assert.Single(scheduler.Take(Now));
        Assert.Equal("a.example", first.Host);

        scheduler.Release("a.example", hostWorked: false);
        scheduler.Park("a.example", Now.AddSeconds(30));
        scheduler.Enqueue("did:plc:a0", "a.example");

        Assert.Equal("b.example", Assert.Single(scheduler.Take(Now)).Host);
        scheduler.Release("b.example", hostWorked: true);
        Assert.Empty(scheduler.Take(Now.AddSeconds(29)));
        Assert.Equal(1, scheduler.ParkedHosts(Now.AddSeconds(29)));
        Assert.Equal(Now.AddSeconds(30), scheduler.NextUnpark(Now));
        Assert.Equal("did:plc:a0", Assert.Single(scheduler.Take(Now.AddSeconds(30))).Did);
    }

    [Fact]
    public void A_failing_host_backs_off_doubling_to_the_maximum_and_a_success_resets_it()
    {
        var scheduler = new BackfillScheduler(maxRepos: 4, maxPerHost: 4, TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(5));

        Assert.Equal(TimeSpan.FromSeconds(1), scheduler.BackOff("a.example", Now));
        Assert.Equal(TimeSpan.FromSeconds(2), scheduler.BackOff("a.example", Now));
        Assert.Equal(TimeSpan.FromSeconds(4), scheduler.BackOff("a.example", Now));
        Assert.Equal(TimeSpan.FromSeconds(5), scheduler.BackOff("a.example", Now));
        scheduler.Enqueue("did:plc:a0", "a.example");
        Assert.Single(scheduler.Take(Now.AddSeconds(10)));
        scheduler.Release("a.example", hostWorked: true);
        Assert.Equal(TimeSpan.FromSeconds(1), scheduler.BackOff("a.example", Now));
    }
}
