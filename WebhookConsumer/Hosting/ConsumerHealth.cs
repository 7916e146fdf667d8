using System.Collections.Concurrent;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Options;

namespace Jetstream.WebhookConsumer.Hosting;

/// <summary>
/// Healthy while every subscription's loop reaches its queue: a consumer that cannot receive delivers nothing.
/// Degraded (still 200) while a subscription cannot be delivered for want of a webhook, or while its queue holds
/// messages of a version newer than this consumer reads, saying which and why: a restart would not help, an upgrade
/// or a setting would. Unhealthy before the subscription list was first read.
/// </summary>
internal sealed class ConsumerHealth(TimeProvider timeProvider, IOptions<WebhookOptions> options) : IHealthCheck
{
    private readonly ConcurrentDictionary<string, LoopState> _loops = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, NewerMessages> _newer = new(StringComparer.Ordinal);
    private volatile bool _listRead;

    public void SubscriptionsRead() => _listRead = true;

    public void Started(string subscription) => _loops[subscription] = new LoopState(timeProvider.GetUtcNow().UtcTicks, null);

    public void ReceiveSucceeded(string subscription) => _loops[subscription] = new LoopState(timeProvider.GetUtcNow().UtcTicks, null);

    public void Waiting(string subscription, string reason) => _loops[subscription] = new LoopState(timeProvider.GetUtcNow().UtcTicks, reason);

    public void Stopped(string subscription)
    {
        _loops.TryRemove(subscription, out _);
        _newer.TryRemove(subscription, out _);
    }

    /// <summary>
    /// A message of <paramref name="version"/> was left in <paramref name="subscription"/>'s queue. Returns whether it
    /// is the first for a minute, so the log says it once a minute rather than for each of thousands of messages.
    /// </summary>
    public bool NewerMessageVersion(string subscription, int version, int readableVersion)
    {
        var now = timeProvider.GetUtcNow().UtcTicks;
        var first = true;
        _newer.AddOrUpdate(
            subscription,
            _ => new NewerMessages(now, now, version, readableVersion),
            (_, seen) =>
            {
                first = now - seen.LoggedTicks > TimeSpan.TicksPerMinute;
                return new NewerMessages(now, first ? now : seen.LoggedTicks, Math.Max(version, seen.Version), readableVersion);
            });
        return first;
    }

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

        // A refused message comes back after the visibility timeout: until two of those pass without one, it may still be there.
        var newerWindow = (2 * options.Value.VisibilityTimeout) + TimeSpan.FromSeconds(30);
        foreach (var (id, newer) in _newer.OrderBy(n => n.Key, StringComparer.Ordinal))
        {
            if (now - new DateTimeOffset(newer.SeenTicks, TimeSpan.Zero) < newerWindow)
            {
                waiting.Add($"{id} waits: its queue holds messages of version {newer.Version}, newer than this consumer reads (up to {newer.ReadableVersion}); they stay in the queue until a newer consumer reads them: upgrade the consumers");
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

    private sealed record NewerMessages(long SeenTicks, long LoggedTicks, int Version, int ReadableVersion);
}
