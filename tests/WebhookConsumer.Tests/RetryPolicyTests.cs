using Jetstream.Storage;
using Jetstream.WebhookConsumer.Deliver;
using Jetstream.WebhookConsumer.Hosting;
using Jetstream.WebhookConsumer.Settle;
using Microsoft.Extensions.Options;

namespace Jetstream.WebhookConsumer.Tests;

/// <summary>What a failed attempt leads to (<see cref="RetryPolicy"/>): the next due time or the dead-letter queue.</summary>
public sealed class RetryPolicyTests
{
    private static readonly DateTimeOffset Now = new(2025, 6, 1, 12, 0, 0, TimeSpan.Zero);

    [Fact]
    public void A_first_failure_is_due_after_the_first_step_stretched_by_at_most_the_jitter()
    {
        var policy = Policy(o => o.RetryJitter = 0.2);

        for (var i = 0; i < 50; i++)
        {
            var updated = policy.AfterFailure(TestEvents.Commit("did:plc:a", 1), Failure(500), Now, out var deadLetter);

            Assert.False(deadLetter);
            Assert.Equal(1, updated.Attempts);
            Assert.Equal(Now, updated.FirstAttemptAt);
            Assert.Equal(500, updated.LastStatus);
            Assert.Equal("HTTP 500", updated.LastError);
            Assert.InRange(updated.NotBefore!.Value, Now + TimeSpan.FromSeconds(1), Now + TimeSpan.FromSeconds(1.2));
        }
    }

    [Fact]
    public void Each_failure_takes_the_next_step_and_keeps_the_first_attempt_time()
    {
        var policy = Policy(o => o.RetryJitter = 0);
        var queued = TestEvents.Commit("did:plc:a", 1);

        var first = policy.AfterFailure(queued, Failure(500), Now, out _);
        var second = policy.AfterFailure(first, Failure(503), Now + TimeSpan.FromSeconds(1), out _);
        var third = policy.AfterFailure(second, Failure(null), Now + TimeSpan.FromSeconds(6), out _);

        Assert.Equal(Now + TimeSpan.FromSeconds(1), first.NotBefore);
        Assert.Equal(Now + TimeSpan.FromSeconds(6), second.NotBefore);
        Assert.Equal(Now + TimeSpan.FromSeconds(36), third.NotBefore);
        Assert.Equal((3, Now, (int?)null), (third.Attempts, third.FirstAttemptAt!.Value, third.LastStatus));
    }

    [Fact]
    public void The_last_attempt_of_the_schedule_dead_letters_the_event()
    {
        var policy = Policy(o => o.RetrySchedule = [TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(2)]);
        var queued = TestEvents.Commit("did:plc:a", 1) with { Attempts = 2, FirstAttemptAt = Now - TimeSpan.FromSeconds(3) };

        var updated = policy.AfterFailure(queued, Failure(500), Now, out var deadLetter);

        Assert.True(deadLetter);
        Assert.Equal(3, updated.Attempts);
        Assert.Null(updated.NotBefore);
        Assert.Equal(Now - TimeSpan.FromSeconds(3), updated.FirstAttemptAt);
    }

    [Theory]
    [InlineData(400, true)]
    [InlineData(404, true)]
    [InlineData(408, false)]
    [InlineData(429, false)]
    [InlineData(500, false)]
    public void A_refusing_4xx_dead_letters_after_ClientErrorMaxAttempts_but_408_and_429_follow_the_schedule(int status, bool deadLettered)
    {
        var policy = Policy(o => o.ClientErrorMaxAttempts = 2);
        var queued = TestEvents.Commit("did:plc:a", 1);

        var first = policy.AfterFailure(queued, Failure(status), Now, out var firstDeadLetter);
        policy.AfterFailure(first, Failure(status), Now, out var secondDeadLetter);

        Assert.False(firstDeadLetter);
        Assert.Equal(deadLettered, secondDeadLetter);
    }

    [Fact]
    public void A_permanent_failure_dead_letters_at_the_first_attempt()
    {
        var policy = Policy();

        policy.AfterFailure(TestEvents.Commit("did:plc:a", 1), DeliveryResult.Failure(null, "blob gone", permanent: true), Now, out var deadLetter);

        Assert.True(deadLetter);
    }

    [Fact]
    public void Retry_after_longer_than_the_step_is_honoured_up_to_MaxRetryAfter()
    {
        var policy = Policy(o =>
        {
            o.RetryJitter = 0;
            o.MaxRetryAfter = TimeSpan.FromMinutes(1);
        });
        var queued = TestEvents.Commit("did:plc:a", 1);

        var shorter = policy.AfterFailure(queued, Failure(429, TimeSpan.FromMilliseconds(100)), Now, out _);
        var longer = policy.AfterFailure(queued, Failure(429, TimeSpan.FromSeconds(20)), Now, out _);
        var capped = policy.AfterFailure(queued, Failure(503, TimeSpan.FromHours(3)), Now, out _);

        Assert.Equal(Now + TimeSpan.FromSeconds(1), shorter.NotBefore);
        Assert.Equal(Now + TimeSpan.FromSeconds(20), longer.NotBefore);
        Assert.Equal(Now + TimeSpan.FromMinutes(1), capped.NotBefore);
    }

    [Fact]
    public void A_long_error_is_cut_to_what_the_dead_letter_queue_keeps()
    {
        var updated = Policy().AfterFailure(TestEvents.Commit("did:plc:a", 1), DeliveryResult.Failure(null, new string('x', 5000)), Now, out _);

        Assert.Equal(DeadLetterQueue.MaxErrorLength, updated.LastError!.Length);
    }

    internal static RetryPolicy Policy(Action<WebhookOptions>? configure = null)
    {
        var options = new WebhookOptions { RetrySchedule = [.. WebhookOptions.DefaultRetrySchedule] };
        configure?.Invoke(options);
        return new RetryPolicy(Options.Create(options));
    }

    private static DeliveryResult Failure(int? status, TimeSpan? retryAfter = null) =>
        DeliveryResult.Failure(status, status is null ? "Connection error: refused" : $"HTTP {status}", retryAfter);
}
