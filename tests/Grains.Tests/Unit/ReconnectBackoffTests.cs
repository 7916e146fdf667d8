using Jetstream.Grains.Processing;
using Microsoft.Extensions.Time.Testing;

namespace Jetstream.Grains.Tests.Unit;

public sealed class ReconnectBackoffTests
{
    [Fact]
    public void Delays_double_from_one_second_to_a_thirty_second_cap()
    {
        var backoff = new ReconnectBackoff(TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(30), new FakeTimeProvider(), () => 0.5);
        var delays = Enumerable.Range(0, 8).Select(_ => backoff.NextDelay().TotalSeconds).ToArray();
        Assert.Equal([1, 2, 4, 8, 16, 30, 30, 30], delays);
    }

    [Theory]
    [InlineData(0.0, 0.8)]
    [InlineData(1.0, 1.2)]
    public void Jitter_is_twenty_percent_either_way(double random, double expectedSeconds)
    {
        var backoff = new ReconnectBackoff(TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(30), new FakeTimeProvider(), () => random);
        Assert.Equal(expectedSeconds, backoff.NextDelay().TotalSeconds, 3);
    }

    [Fact]
    public void Jitter_never_exceeds_the_cap()
    {
        var backoff = new ReconnectBackoff(TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(30), new FakeTimeProvider(), () => 1.0);
        for (var i = 0; i < 10; i++)
        {
            Assert.True(backoff.NextDelay() <= TimeSpan.FromSeconds(30));
        }
    }

    [Fact]
    public void A_healthy_session_resets_the_schedule()
    {
        var backoff = new ReconnectBackoff(TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(30), new FakeTimeProvider(), () => 0.5);
        backoff.NextDelay();
        backoff.NextDelay();
        backoff.NextDelay();
        Assert.Equal(3, backoff.ConsecutiveFailures);
        backoff.Reset();
        Assert.Equal(TimeSpan.FromSeconds(1), backoff.NextDelay());
    }

    [Fact]
    public async Task Waiting_follows_the_injected_clock()
    {
        var clock = new FakeTimeProvider();
        var backoff = new ReconnectBackoff(TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(30), clock, () => 0.5);
        backoff.NextDelay();
        var wait = backoff.WaitAsync(backoff.NextDelay(), CancellationToken.None);
        clock.Advance(TimeSpan.FromMilliseconds(1999));
        Assert.False(wait.IsCompleted);
        clock.Advance(TimeSpan.FromMilliseconds(1));
        await wait.WaitAsync(TimeSpan.FromSeconds(5));
    }
}
