using System.Security.Cryptography;
using Jetstream.Api.Dashboard;
using Jetstream.Api.Json;
using Microsoft.Extensions.Options;

namespace Jetstream.Api.Stats;

public static class StatsEndpoints
{
    /// <summary><c>GET /stats</c>, <c>GET /stats/html</c> and <c>GET /status</c>: read-only, open like the original's.</summary>
    public static WebApplication MapStatsEndpoints(this WebApplication app)
    {
        app.MapGet(ApiRoutes.Stats, async (StatsReader reader, CancellationToken cancellationToken) =>
                TypedResults.Json(await reader.ReadAsync(cancellationToken), ApiJsonContext.Default.StatsResponse))
            .WithDescription("Get processing statistics (JSON)");

        app.MapGet(ApiRoutes.StatsHtml, async (HttpContext http, StatsReader reader, IOptions<ApiOptions> options, TimeProvider time) =>
            {
                var statusTask = reader.Processor.GetStatus();
                var stats = await reader.ReadAsync(http.RequestAborted);
                var status = await statusTask;
                var nonce = Convert.ToBase64String(RandomNumberGenerator.GetBytes(16));
                var headers = http.Response.Headers;
                headers.ContentSecurityPolicy =
                    $"default-src 'none'; script-src 'nonce-{nonce}'; style-src 'nonce-{nonce}'; img-src data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";
                headers.XContentTypeOptions = "nosniff";
                headers.CacheControl = "no-store";
                headers["Referrer-Policy"] = "no-referrer";
                var html = StatsPage.Render(stats, status, options.Value.OrleansDashboardUrl, time.GetUtcNow(), nonce);
                return TypedResults.Content(html, "text/html; charset=utf-8");
            })
            .WithDescription("Get processing statistics (HTML dashboard)");

        app.MapGet(ApiRoutes.Status, async (StatsReader reader) =>
                TypedResults.Json(await reader.Processor.GetStatus(), ApiJsonContext.Default.ConnectionStatus))
            .WithDescription("Get WebSocket connection status, read from the live socket");
        return app;
    }
}
