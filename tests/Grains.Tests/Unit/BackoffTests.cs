using Jetstream.Grains.Interfaces.Retries;
using Microsoft.Extensions.Time.Testing;

namespace Jetstream.Grains.Tests.Unit;

/// <summary>The one backoff (<see cref="Backoff"/>, <see cref="FailureStreak"/>) on a fake clock and a seeded or fixed jitter.</summary>
public sealed class BackoffTests
{
    private static readonly TimeSpan Second = TimeSpan.FromSeconds(1);

    [Fact]
    public void Delays_double_from_one_second_to_a_thirty_second_cap()
    {
        var failures = new FailureStreak(Backoff.Doubling(Second, 30 * Second, Jitter.Around(0.2), () => 0.5), new FakeTimeProvider());

        var delays = Enumerable.Range(0, 8).Select(_ => failures.NextDelay().TotalSeconds).ToArray();

        Assert.Equal([1, 2, 4, 8, 16, 30, 30, 30], delays);
    }

    [Theory]
    [InlineData(0.0, 0.8)]
    [InlineData(1.0, 1.2)]
    public void Jitter_around_is_twenty_percent_either_way(double draw, double expectedSeconds)
    {
        var backoff = Backoff.Doubling(Second, 30 * Second, Jitter.Around(0.2), () => draw);

        Assert.Equal(expectedSeconds, backoff.After(1).TotalSeconds, 3);
    }

    [Fact]
    public void Jitter_never_takes_a_doubling_past_its_cap()
    {
        var backoff = Backoff.Doubling(Second, 30 * Second, Jitter.Around(0.2), () => 0.999);

        Assert.All(Enumerable.Range(1, 10), n => Assert.True(backoff.After(n) <= 30 * Second));
    }

    [Fact]
    public void A_seeded_jitter_gives_the_same_delays_every_run_and_stays_within_its_spread()
    {
        TimeSpan[] Run()
        {
            var random = new Random(42);
            var backoff = Backoff.Steps([Second, 5 * Second, 30 * Second], Jitter.Stretch(0.2), random.NextDouble);
            return [.. Enumerable.Range(1, 3).Select(n => backoff.After(n))];
        }

        var first = Run();

        Assert.Equal(first, Run());
        Assert.InRange(first[0], Second, 1.2 * Second);
        Assert.InRange(first[1], 5 * Second, 6 * Second);
        Assert.InRange(first[2], 30 * Second, 36 * Second);
    }

    [Fact]
    public void A_schedule_keeps_its_last_step_after_it_runs_out()
    {
        var backoff = Backoff.Steps([Second, 5 * Second]);

        Assert.Equal([Second, 5 * Second, 5 * Second, 5 * Second], Enumerable.Range(1, 4).Select(n => backoff.After(n)));
    }

    [Fact]
    public void A_fixed_backoff_waits_the_same_after_every_failure()
    {
        var backoff = Backoff.Fixed(5 * Second);

        Assert.All(Enumerable.Range(1, 5), n => Assert.Equal(5 * Second, backoff.After(n)));
    }

    [Theory]
    [InlineData(0, 1)]
    [InlineData(3, 3)]
    [InlineData(60, 10)]
    public void Waiting_by_how_long_it_has_failed_stays_within_first_and_max(int failingSeconds, int expectedSeconds)
    {
        var backoff = Backoff.Doubling(Second, 10 * Second);

        Assert.Equal(expectedSeconds * Second, backoff.AfterFailingFor(failingSeconds * Second));
    }

    [Theory]
    [InlineData(null, 4)]
    [InlineData(2, 4)]
    [InlineData(30, 30)]
    [InlineData(7200, 60)]
    public void Retry_after_lengthens_a_delay_up_to_its_cap_and_never_shortens_it(int? askedSeconds, int expectedSeconds)
    {
        var backoff = Backoff.Doubling(Second, 30 * Second);

        var delay = backoff.After(3, askedSeconds is { } s ? s * Second : null, TimeSpan.FromMinutes(1));

        Assert.Equal(expectedSeconds * Second, delay);
    }

    [Fact]
    public void Retry_after_is_not_honoured_without_a_cap()
    {
        Assert.Equal(Second, Backoff.Doubling(Second, 30 * Second).After(1, TimeSpan.FromMinutes(5)));
    }

    [Fact]
    public void A_reset_starts_again_from_the_first_delay()
    {
        var failures = new FailureStreak(Backoff.Doubling(Second, 30 * Second), new FakeTimeProvider());
        failures.NextDelay();
        failures.NextDelay();
        failures.NextDelay();

        Assert.Equal(3, failures.Count);
        Assert.Equal(8 * Second, failures.Delay);
        failures.Reset();
        Assert.Equal(Second, failures.NextDelay());
    }

    [Fact]
    public async Task Waiting_follows_the_injected_clock()
    {
        var clock = new FakeTimeProvider();
        var failures = new FailureStreak(Backoff.Doubling(Second, 30 * Second), clock);
        failures.NextDelay();

        var wait = failures.FailedAndWaitAsync(CancellationToken.None);
        clock.Advance(TimeSpan.FromMilliseconds(1999));
        Assert.False(wait.IsCompleted);
        clock.Advance(TimeSpan.FromMilliseconds(1));

        await wait.WaitAsync(TimeSpan.FromSeconds(5));
        Assert.Equal(2, failures.Count);
    }
}
