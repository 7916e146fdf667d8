using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Options;

namespace Jetstream.WebhookConsumer;

/// <summary>Healthy while the poll loop reaches the queue: a consumer that cannot receive delivers nothing.</summary>
internal sealed class ConsumerHealth(TimeProvider timeProvider, IOptions<WebhookOptions> options) : IHealthCheck
{
    private long _lastReceiveTicks;

    public void ReceiveSucceeded() => Interlocked.Exchange(ref _lastReceiveTicks, timeProvider.GetUtcNow().UtcTicks);

    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        var last = Interlocked.Read(ref _lastReceiveTicks);
        if (last == 0)
        {
            return Task.FromResult(HealthCheckResult.Unhealthy("The queue has not been reached yet."));
        }

        var since = timeProvider.GetUtcNow() - new DateTimeOffset(last, TimeSpan.Zero);

        // A batch may legitimately take up to the visibility timeout between two receives.
        var limit = options.Value.VisibilityTimeout + TimeSpan.FromSeconds(30);
        return Task.FromResult(since <= limit
            ? HealthCheckResult.Healthy($"Last receive {since.TotalSeconds:0.0} s ago.")
            : HealthCheckResult.Unhealthy($"No successful receive for {since.TotalSeconds:0} s."));
    }
}
