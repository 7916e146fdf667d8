using Jetstream.WebhookConsumer.Hosting;
using Jetstream.WebhookConsumer.Settle;

namespace Jetstream.WebhookConsumer.Tests;

/// <summary>
/// Issue 20: a message kept in hand unchanged is not updated at every probe (thousands of messages held through an
/// outage were thousands of storage updates every 2 s), only when its lease would no longer cover a batch delivered
/// from hand at the next probe: half a visibility timeout and a request's timeout past it.
/// </summary>
public sealed class KeptLeaseTests
{
    private static readonly DateTimeOffset Probe = new(2026, 12, 7, 3, 0, 0, TimeSpan.Zero);
    private static readonly WebhookOptions Options = new() { VisibilityTimeout = TimeSpan.FromMinutes(2), TimeoutSeconds = 15 };

    [Theory]
    [InlineData(0, true)]
    [InlineData(-44, true)]
    [InlineData(-45, true)]
    [InlineData(-46, false)]
    [InlineData(-300, false)]
    public void A_lease_taken_this_long_before_the_probe_is_kept_without_an_update_while_it_covers_the_batch(int secondsBefore, bool lasts) =>
        Assert.Equal(lasts, MessageSettler.LeaseLasts(Probe + TimeSpan.FromSeconds(secondsBefore), Probe, Options));

    [Fact]
    public void The_shortest_visibility_timeout_allowed_still_keeps_a_fresh_lease_and_renews_any_older()
    {
        var tight = new WebhookOptions { VisibilityTimeout = TimeSpan.FromSeconds(30), TimeoutSeconds = 15 };

        Assert.True(MessageSettler.LeaseLasts(Probe, Probe, tight));
        Assert.False(MessageSettler.LeaseLasts(Probe - TimeSpan.FromSeconds(1), Probe, tight));
    }
}
