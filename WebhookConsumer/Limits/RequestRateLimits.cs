using System.Collections.Concurrent;

namespace Jetstream.WebhookConsumer.Limits;

/// <summary>
/// Every subscription's <see cref="RequestRateLimit"/> in this consumer, one each for the life of its loop, so a new
/// webhook version (a changed limit) updates the bucket its waiting requests are on instead of making another.
/// </summary>
internal sealed class RequestRateLimits(TimeProvider timeProvider)
{
    private readonly ConcurrentDictionary<string, RequestRateLimit> _limits = new(StringComparer.Ordinal);

    /// <summary>The subscription's limit, set to <paramref name="perSecond"/>; <see cref="RequestRateLimit.None"/> without one ever set.</summary>
    public RequestRateLimit For(string subscriptionId, int? perSecond)
    {
        if (perSecond is null && !_limits.ContainsKey(subscriptionId))
        {
            return RequestRateLimit.None;
        }

        var limit = _limits.GetOrAdd(subscriptionId, _ => new RequestRateLimit(timeProvider));
        limit.Set(perSecond);
        return limit;
    }

    /// <summary>The subscription's loop has ended (deleted, or moved away): its bucket and timer go.</summary>
    public void Remove(string subscriptionId)
    {
        if (_limits.TryRemove(subscriptionId, out var limit))
        {
            limit.Dispose();
        }
    }
}
