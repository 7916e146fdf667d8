using Jetstream.Api.Stats;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Jetstream.Api.Health;

/// <summary>Ready when the event queue's storage answers; degraded while the queue has not been created yet.</summary>
public sealed class StorageHealthCheck(QueueMetrics queues) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        var reading = await queues.ReadMainQueueAsync(cancellationToken);
        if (!reading.Reachable)
        {
            return HealthCheckResult.Unhealthy($"Azure Storage is unreachable: {reading.Error}");
        }

        return reading.Exists
            ? HealthCheckResult.Healthy($"{reading.ApproximateCount} message(s) queued")
            : HealthCheckResult.Degraded("Storage answers, but the event queue does not exist yet (the processor creates it).");
    }
}
