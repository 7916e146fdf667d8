using System.Security.Cryptography;
using Azure;
using Jetstream.Api.Dashboard;
using Jetstream.Api.Json;
using Jetstream.Api.Subscriptions;
using Jetstream.Grains.Interfaces;
using Jetstream.Grains.Interfaces.Backfill;
using Microsoft.Extensions.Options;

namespace Jetstream.Api.Stats;

public static class StatsEndpoints
{
    /// <summary>
    /// <c>GET /stats</c>, <c>GET /stats/html</c> and <c>GET /status</c>: read-only, open like the original's, about
    /// <c>default</c>. <c>/stats/html</c> also lists every subscription, each linking to its own page (<c>?subscription=</c>).
    /// </summary>
    public static WebApplication MapStatsEndpoints(this WebApplication app)
    {
        app.MapGet(ApiRoutes.Stats, async (StatsReader reader, CancellationToken cancellationToken) =>
                TypedResults.Json(await reader.ReadAsync(cancellationToken), ApiJsonContext.Default.StatsResponse))
            .WithDescription("Get processing statistics (JSON)");

        app.MapGet(ApiRoutes.StatsHtml, async (HttpContext http, string? subscription, SubscriptionService subscriptions, StatsReader reader, IOptions<ApiOptions> options, TimeProvider time) =>
            {
                var id = subscription ?? IJetstreamProcessorGrain.DefaultKey;
                IReadOnlyList<SubscriptionResponse>? overview = null;
                try
                {
                    overview = await subscriptions.ListAsync(http.RequestAborted);
                }
                catch (RequestFailedException) when (id == IJetstreamProcessorGrain.DefaultKey)
                {
                    // Storage is away: default's page still shows what the grain knows, without the overview.
                }

                if (overview?.All(s => s.Id != id) ?? id != IJetstreamProcessorGrain.DefaultKey)
                {
                    return NotFound(id);
                }

                return await RenderPageAsync(http, id, reader, options.Value, time, overview);
            })
            .WithDescription("Get processing statistics (HTML dashboard; ?subscription=<id> for one subscription's page)");

        app.MapGet(ApiRoutes.Status, async (StatsReader reader, CancellationToken cancellationToken) =>
                TypedResults.Json(await reader.ReadStatusAsync(IJetstreamProcessorGrain.DefaultKey, cancellationToken), ApiJsonContext.Default.StatusResponse))
            .WithDescription("Get WebSocket connection status, read from the live socket, and the webhook endpoint's circuit");
        return app;
    }

    /// <summary>One subscription's page, with the headers that keep it inert (CSP with a nonce, no sniffing, no caching).</summary>
    public static async Task<IResult> RenderPageAsync(HttpContext http, string id, StatsReader reader, ApiOptions options, TimeProvider time, IReadOnlyList<SubscriptionResponse>? overview)
    {
        var statusTask = reader.ProcessorOf(id).GetStatus();
        var backfillTask = http.RequestServices.GetRequiredService<IGrainFactory>().GetGrain<IBackfillJobGrain>(id).GetStatus();
        var circuit = overview?.FirstOrDefault(s => s.Id == id)?.Status?.WebhookCircuit;
        var stats = await reader.ReadAsync(id, http.RequestAborted, circuit);
        var status = await statusTask;
        var backfill = await backfillTask is { } running ? Backfill.BackfillResponse.From(running) : null;
        var nonce = Convert.ToBase64String(RandomNumberGenerator.GetBytes(16));
        var headers = http.Response.Headers;
        headers.ContentSecurityPolicy =
            $"default-src 'none'; script-src 'nonce-{nonce}'; style-src 'nonce-{nonce}'; img-src data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";
        headers.XContentTypeOptions = "nosniff";
        headers.CacheControl = "no-store";
        headers["Referrer-Policy"] = "no-referrer";
        var html = StatsPage.Render(stats, status, options.OrleansDashboardUrl, time.GetUtcNow(), nonce, id, overview, backfill);
        return TypedResults.Content(html, "text/html; charset=utf-8");
    }

    public static IResult NotFound(string id) =>
        TypedResults.Problem($"There is no subscription '{id}'.", statusCode: StatusCodes.Status404NotFound, title: "Subscription not found");
}
