using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Jetstream.AppHost;

/// <summary>
/// Healthy once every port accepts a TCP connection on loopback: for Azurite (as the compose file checks it) and for the
/// printing receiver, which has no health route and would print a line for any HTTP request.
/// </summary>
internal sealed class TcpPortsHealthCheck(params int[] ports) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        foreach (var port in ports)
        {
            using var client = new TcpClient();
            try
            {
                await client.ConnectAsync(IPAddress.Loopback, port, cancellationToken);
            }
            catch (SocketException e)
            {
                return HealthCheckResult.Unhealthy($"nothing accepts connections on 127.0.0.1:{port}", e);
            }
        }

        return HealthCheckResult.Healthy();
    }
}
