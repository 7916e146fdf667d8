using Jetstream.Storage;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Jetstream.Silo;

/// <summary>Ready when the event queue answers: without it the processor cannot move its cursor.</summary>
public sealed class StorageHealthCheck(EventQueueClients queue) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        try
        {
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            timeout.CancelAfter(TimeSpan.FromSeconds(5));
            // Creating the queue (once) also proves storage answers: a silo can be ready before its processor runs.
            await queue.EnsureCreatedAsync(timeout.Token);
            await queue.Queue.GetPropertiesAsync(timeout.Token);
            return HealthCheckResult.Healthy($"Queue '{queue.Options.Name}' reachable.");
        }
        catch (Exception ex)
        {
            return HealthCheckResult.Unhealthy($"Queue '{queue.Options.Name}' unreachable: {ex.Message.Split('\n')[0]}");
        }
    }
}
