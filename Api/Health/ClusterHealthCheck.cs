using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Jetstream.Api.Health;

/// <summary>Ready when a silo answers through the gateway and reports at least one active silo.</summary>
public sealed class ClusterHealthCheck(IGrainFactory grains) : IHealthCheck
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(5);

    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        try
        {
            var management = ClusterUnavailableException.Resolve(() => grains.GetGrain<IManagementGrain>(0));
            var hosts = await management.GetHosts(onlyActive: true).WaitAsync(Timeout, cancellationToken);
            return hosts.Count > 0
                ? HealthCheckResult.Healthy($"{hosts.Count} active silo(s)")
                : HealthCheckResult.Unhealthy("The cluster reports no active silo.");
        }
        catch (Exception ex) when (ex is OrleansException or TimeoutException or ClusterUnavailableException)
        {
            return HealthCheckResult.Unhealthy($"The Orleans cluster is unreachable: {ex.Message}");
        }
    }
}
