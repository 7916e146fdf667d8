using Jetstream.Api.Json;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Jetstream.Api.Health;

public static class HealthEndpoints
{
    /// <summary>
    /// <c>/health/live</c>: the process answers (never touches the cluster, so an orchestrator does not restart the Api
    /// for a silo's outage). <c>/health/ready</c> and <c>/health</c>: cluster and storage reachable; 503 when not.
    /// </summary>
    public static WebApplication MapHealthEndpoints(this WebApplication app)
    {
        app.MapGet(ApiRoutes.Health, Ready).WithDescription("Health check: cluster and storage reachable (original shape)");
        app.MapGet(ApiRoutes.HealthLive, (TimeProvider time) =>
                TypedResults.Json(HealthResponse.Live(time.GetUtcNow()), ApiJsonContext.Default.HealthResponse))
            .WithDescription("Liveness: the process is up");
        app.MapGet(ApiRoutes.HealthReady, Ready).WithDescription("Readiness: cluster and storage reachable");
        return app;
    }

    private static async Task<IResult> Ready(HealthCheckService health, TimeProvider time, CancellationToken cancellationToken)
    {
        var report = await health.CheckHealthAsync(check => check.Tags.Contains(ApiHostingExtensions.ReadyTag), cancellationToken);
        return TypedResults.Json(
            HealthResponse.From(report, time.GetUtcNow()),
            ApiJsonContext.Default.HealthResponse,
            statusCode: report.Status == HealthStatus.Unhealthy ? StatusCodes.Status503ServiceUnavailable : StatusCodes.Status200OK);
    }
}
