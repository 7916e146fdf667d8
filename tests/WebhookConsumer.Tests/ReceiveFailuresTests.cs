using Jetstream.WebhookConsumer.Receive;
using Microsoft.Extensions.Time.Testing;

namespace Jetstream.WebhookConsumer.Tests;

/// <summary>
/// The wait after a failed receive, on a fake clock: it was a fixed <c>Webhook:MaxPollInterval</c>, so every loop that
/// lost the storage account came back in the same instant, once a second, for the whole outage.
/// </summary>
public sealed class ReceiveFailuresTests
{
    private static readonly TimeSpan Poll = TimeSpan.FromSeconds(1);

    [Fact]
    public async Task Failed_receives_wait_from_the_poll_interval_doubling_to_15_seconds_and_a_success_starts_again()
    {
        var clock = new FakeTimeProvider();

        // A draw of 0.5 is the middle of ±20 %: the plain delays.
        var failures = new ReceiveFailures(Poll, clock, () => 0.5);

        foreach (var seconds in new[] { 1, 2, 4, 8, 15, 15 })
        {
            await AssertWaitsAsync(failures, clock, TimeSpan.FromSeconds(seconds));
        }

        failures.Succeeded();
        await AssertWaitsAsync(failures, clock, Poll);
    }

    [Theory]
    [InlineData(0.0, 800)]
    [InlineData(0.999, 1199)]
    public async Task Each_wait_is_spread_20_percent_either_way(double draw, int expectedMs)
    {
        var clock = new FakeTimeProvider();
        await AssertWaitsAsync(new ReceiveFailures(Poll, clock, () => draw), clock, TimeSpan.FromMilliseconds(expectedMs));
    }

    [Fact]
    public void A_poll_interval_longer_than_15_seconds_is_the_first_and_the_longest_wait()
    {
        var failures = new ReceiveFailures(TimeSpan.FromSeconds(30), new FakeTimeProvider(), () => 0.5);
        Assert.Equal(TimeSpan.FromSeconds(30), failures.Next);
    }

    private static async Task AssertWaitsAsync(ReceiveFailures failures, FakeTimeProvider clock, TimeSpan expected)
    {
        var wait = failures.WaitAsync(CancellationToken.None);
        clock.Advance(expected - TimeSpan.FromMilliseconds(1));
        Assert.False(wait.IsCompleted, $"the wait ended before {expected}");
        clock.Advance(TimeSpan.FromMilliseconds(2));
        await wait.WaitAsync(TimeSpan.FromSeconds(5));
    }
}
