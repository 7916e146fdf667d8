using Jetstream.Storage;
using Jetstream.WebhookConsumer.Deliver;
using Jetstream.WebhookConsumer.Hosting;
using Jetstream.WebhookConsumer.Settle;

namespace Jetstream.WebhookConsumer.Tests;

/// <summary>
/// What an endpoint failure (the endpoint's, not the event's) or a hold by the open circuit does to an event
/// (<see cref="RetryPolicy"/>): no attempt is spent, the wait follows the endpoint, and only an outage longer than the
/// retry schedule's total dead-letters it.
/// </summary>
public sealed class EndpointFailureRetryTests
{
    private static readonly DateTimeOffset Now = new(2025, 6, 1, 12, 0, 0, TimeSpan.Zero);
    private static readonly DeliveryResult Unavailable = DeliveryResult.Failure(503, "HTTP 503 Service Unavailable", endpoint: true);

    [Fact]
    public void An_endpoint_failure_spends_no_attempt_and_waits_for_the_open_circuits_probe()
    {
        var policy = RetryPolicyTests.Policy();
        var queued = TestEvents.Commit("did:plc:a", 1) with { Attempts = 2, FirstAttemptAt = Now - TimeSpan.FromMinutes(1) };

        var updated = policy.AfterFailure(queued, Unavailable, Now, out var deadLetter, circuitOpenUntil: Now + TimeSpan.FromSeconds(4));

        Assert.False(deadLetter);
        Assert.Equal(2, updated.Attempts);
        Assert.Equal(Now - TimeSpan.FromMinutes(1), updated.FirstAttemptAt);
        Assert.Equal((503, "HTTP 503 Service Unavailable"), (updated.LastStatus, updated.LastError));
        Assert.Equal(Now + TimeSpan.FromSeconds(4), updated.NotBefore);
    }

    [Theory]
    [InlineData(0, 1)]
    [InlineData(3, 3)]
    [InlineData(60, 10)]
    public void With_the_circuit_closed_it_waits_as_long_as_it_has_been_failing_within_the_circuits_bounds(int failingSeconds, int waitSeconds)
    {
        // A cap above the default 2 s, so the growing wait shows between the bounds.
        var policy = RetryPolicyTests.Policy(o =>
        {
            o.RetryJitter = 0;
            o.CircuitMaxBreakDuration = TimeSpan.FromSeconds(10);
        });
        var queued = TestEvents.Commit("did:plc:a", 1) with { FirstAttemptAt = failingSeconds == 0 ? null : Now - TimeSpan.FromSeconds(failingSeconds) };

        var updated = policy.AfterFailure(queued, Unavailable, Now, out _);

        Assert.Equal(0, updated.Attempts);
        Assert.Equal(Now + TimeSpan.FromSeconds(waitSeconds), updated.NotBefore);
    }

    [Fact]
    public void An_outage_longer_than_the_schedules_total_dead_letters_the_event_saying_so()
    {
        var policy = RetryPolicyTests.Policy(o => o.RetrySchedule = [TimeSpan.FromMinutes(1), TimeSpan.FromMinutes(2)]);
        var failing = TestEvents.Commit("did:plc:a", 1) with { FirstAttemptAt = Now - TimeSpan.FromMinutes(3) };
        var recent = failing with { FirstAttemptAt = Now - TimeSpan.FromMinutes(2) };

        var updated = policy.AfterFailure(failing, Unavailable, Now, out var deadLetter);
        policy.AfterFailure(recent, Unavailable, Now, out var recentDeadLetter);

        Assert.True(deadLetter);
        Assert.False(recentDeadLetter);
        Assert.Equal(0, updated.Attempts);
        Assert.StartsWith("HTTP 503 Service Unavailable (the endpoint failed for 0.00:03:00, longer than Webhook:RetrySchedule's total 0.00:03:00", updated.LastError);
    }

    [Fact]
    public void A_hold_by_the_circuit_marks_the_start_of_the_wait_once_and_dead_letters_only_past_the_limit()
    {
        var policy = RetryPolicyTests.Policy();
        var queued = TestEvents.Commit("did:plc:a", 1);

        var held = policy.HeldByCircuit(queued, Now, "HTTP 503", out var deadLetter);
        var heldAgain = policy.HeldByCircuit(held, Now + TimeSpan.FromHours(1), "HTTP 503", out var againDeadLetter);
        var expired = policy.HeldByCircuit(held, Now + OutageLimit(), "HTTP 503", out var expiredDeadLetter);

        Assert.Equal((0, Now, false), (held.Attempts, held.FirstAttemptAt!.Value, deadLetter));
        Assert.Same(held, heldAgain);
        Assert.False(againDeadLetter);
        Assert.True(expiredDeadLetter);
        Assert.Equal(0, expired.Attempts);
        Assert.StartsWith("HTTP 503 (the endpoint failed for 1.03:42:36", expired.LastError);
    }

    [Fact]
    public void A_failure_the_receiver_gives_the_event_still_spends_an_attempt()
    {
        var updated = RetryPolicyTests.Policy().AfterFailure(TestEvents.Commit("did:plc:a", 1), DeliveryResult.Failure(500, "HTTP 500"), Now, out _, Now + TimeSpan.FromSeconds(4));

        Assert.Equal(1, updated.Attempts);
    }

    private static TimeSpan OutageLimit() => WebhookOptions.DefaultRetrySchedule.Aggregate(TimeSpan.Zero, (sum, step) => sum + step);
}
