using Jetstream.WebhookConsumer.Deliver;
using Jetstream.WebhookConsumer.Hosting;
using Jetstream.WebhookConsumer.Settle;
using Microsoft.Extensions.Options;

namespace Jetstream.WebhookConsumer.Tests;

/// <summary>
/// One <c>Retry-After</c> rule (<see cref="WebhookOptions.HonourRetryAfter"/>) for an event's retry, its wait for the
/// endpoint and the circuit's break, and the retry's jitter drawn from what the policy is given.
/// </summary>
public sealed class RetryAfterRuleTests
{
    private static readonly DateTimeOffset Now = new(2025, 6, 1, 12, 0, 0, TimeSpan.Zero);

    [Theory]
    [InlineData(10, null, 10)]
    [InlineData(10, 4, 10)]
    [InlineData(10, 30, 30)]
    [InlineData(10, 7200, 60)]
    [InlineData(120, 7200, 120)]
    public void Retry_after_is_honoured_up_to_MaxRetryAfter_and_never_shortens_our_own_wait(int ownSeconds, int? askedSeconds, int expectedSeconds)
    {
        var options = new WebhookOptions { MaxRetryAfter = TimeSpan.FromMinutes(1) };

        var wait = options.HonourRetryAfter(TimeSpan.FromSeconds(ownSeconds), askedSeconds is { } s ? TimeSpan.FromSeconds(s) : null);

        Assert.Equal(TimeSpan.FromSeconds(expectedSeconds), wait);
    }

    [Theory]
    [InlineData(0.0, 1000)]
    [InlineData(0.5, 1100)]
    [InlineData(0.75, 1150)]
    public void A_retry_is_stretched_by_the_jitter_the_policy_is_given(double draw, int expectedMilliseconds)
    {
        var policy = new RetryPolicy(Options.Create(new WebhookOptions { RetrySchedule = [.. WebhookOptions.DefaultRetrySchedule], RetryJitter = 0.2 }), () => draw);

        var updated = policy.AfterFailure(TestEvents.Commit("did:plc:a", 1), DeliveryResult.Failure(500, "HTTP 500"), Now, out _);

        Assert.Equal(Now + TimeSpan.FromMilliseconds(expectedMilliseconds), updated.NotBefore);
    }

    [Fact]
    public void An_endpoint_failure_waits_at_least_as_long_as_the_endpoint_asked_up_to_MaxRetryAfter()
    {
        var policy = new RetryPolicy(Options.Create(new WebhookOptions
        {
            RetrySchedule = [.. WebhookOptions.DefaultRetrySchedule],
            RetryJitter = 0,
            MaxRetryAfter = TimeSpan.FromMinutes(10),
        }), () => 0);

        var asked = policy.AfterFailure(TestEvents.Commit("did:plc:a", 1), DeliveryResult.Failure(503, "HTTP 503", TimeSpan.FromMinutes(5), endpoint: true), Now, out _);
        var capped = policy.AfterFailure(TestEvents.Commit("did:plc:a", 2), DeliveryResult.Failure(503, "HTTP 503", TimeSpan.FromHours(5), endpoint: true), Now, out _);

        Assert.Equal(Now + TimeSpan.FromMinutes(5), asked.NotBefore);
        Assert.Equal(Now + TimeSpan.FromMinutes(10), capped.NotBefore);
    }
}
