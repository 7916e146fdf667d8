using System.Collections.Concurrent;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Options;

namespace Jetstream.WebhookConsumer;

/// <summary>
/// Healthy while every subscription's loop reaches its queue: a consumer that cannot receive delivers nothing.
/// Degraded (still 200) while a subscription cannot be delivered for want of a webhook, saying which and why: a restart
/// would not help. Unhealthy before the subscription list was first read.
/// </summary>
internal sealed class ConsumerHealth(TimeProvider timeProvider, IOptions<WebhookOptions> options) : IHealthCheck
{
    private readonly ConcurrentDictionary<string, LoopState> _loops = new(StringComparer.Ordinal);
    private volatile bool _listRead;

    public void SubscriptionsRead() => _listRead = true;

    public void Started(string subscription) => _loops[subscription] = new LoopState(timeProvider.GetUtcNow().UtcTicks, null);

    public void ReceiveSucceeded(string subscription) => _loops[subscription] = new LoopState(timeProvider.GetUtcNow().UtcTicks, null);

    public void Waiting(string subscription, string reason) => _loops[subscription] = new LoopState(timeProvider.GetUtcNow().UtcTicks, reason);

    public void Stopped(string subscription) => _loops.TryRemove(subscription, out _);

    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        if (!_listRead)
        {
            return Task.FromResult(HealthCheckResult.Unhealthy("The subscription list has not been read yet."));
        }

        // A batch may legitimately take up to the visibility timeout between two receives.
        var limit = options.Value.VisibilityTimeout + TimeSpan.FromSeconds(30);
        var now = timeProvider.GetUtcNow();
        var stale = new List<string>();
        var waiting = new List<string>();
        foreach (var (id, state) in _loops.OrderBy(l => l.Key, StringComparer.Ordinal))
        {
            var since = now - new DateTimeOffset(state.Ticks, TimeSpan.Zero);
            if (state.WaitReason is { } reason)
            {
                waiting.Add($"{id} waits: {reason}");
            }
            else if (since > limit)
            {
                stale.Add($"{id}: no successful receive for {since.TotalSeconds:0} s");
            }
        }

        var summary = $"{_loops.Count} subscription(s)";
        if (stale.Count > 0)
        {
            return Task.FromResult(HealthCheckResult.Unhealthy($"{summary}; {string.Join("; ", stale.Concat(waiting))}."));
        }

        return Task.FromResult(waiting.Count > 0
            ? HealthCheckResult.Degraded($"{summary}; {string.Join("; ", waiting)}.")
            : HealthCheckResult.Healthy($"{summary}, every queue reached."));
    }

    private sealed record LoopState(long Ticks, string? WaitReason);
}
