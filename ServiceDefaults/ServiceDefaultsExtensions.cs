using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using OpenTelemetry;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;

namespace Jetstream.ServiceDefaults;

/// <summary>What every host shares (eShop's ServiceDefaults): OpenTelemetry metrics, traces and logs.</summary>
public static class ServiceDefaultsExtensions
{
    /// <summary>
    /// Metrics (ASP.NET Core, HttpClient, runtime, Orleans and the application's <c>Jetstream.*</c> meters) served for
    /// Prometheus at <see cref="TelemetryNames.MetricsRoute"/>; and, only when <c>OTEL_EXPORTER_OTLP_ENDPOINT</c> is set
    /// (<see cref="TraceExport"/>), traces (ASP.NET Core, HttpClient and the <c>Jetstream.*</c> sources) and OTLP export
    /// of all three signals, configured by the standard <c>OTEL_*</c> variables. The Aspire AppHost sets those for every
    /// host (endpoint, protocol, the dashboard's API-key header, service name and instance id), so under it each host
    /// exports to the dashboard; without it nothing is exported and no span is made.
    /// </summary>
    public static TBuilder AddServiceDefaults<TBuilder>(this TBuilder builder)
        where TBuilder : IHostApplicationBuilder
    {
        builder.Logging.AddOpenTelemetry(logging =>
        {
            logging.IncludeFormattedMessage = true;
            logging.IncludeScopes = true;
        });

        var telemetry = builder.Services.AddOpenTelemetry()
            .ConfigureResource(resource =>
            {
                // OTEL_SERVICE_NAME, when set, wins (the SDK reads it); otherwise the host's project name names the service.
                if (string.IsNullOrWhiteSpace(builder.Configuration["OTEL_SERVICE_NAME"]))
                {
                    resource.AddService(builder.Environment.ApplicationName);
                }
            })
            .WithMetrics(metrics => metrics
                .AddAspNetCoreInstrumentation()
                .AddHttpClientInstrumentation()
                .AddRuntimeInstrumentation()
                .AddMeter(TelemetryNames.OrleansMeter, TelemetryNames.ApplicationWildcard)
                .AddPrometheusExporter());

        if (TraceExport.IsConfigured(builder.Configuration))
        {
            telemetry
                .WithTracing(tracing => tracing
                    .AddSource(TelemetryNames.ApplicationWildcard)
                    .AddAspNetCoreInstrumentation(aspNetCore => aspNetCore.Filter = static context => !IsInfrastructureRequest(context.Request.Path))
                    .AddHttpClientInstrumentation())
                .UseOtlpExporter();
        }

        return builder;
    }

    /// <summary>Maps the Prometheus scrape endpoint at <see cref="TelemetryNames.MetricsRoute"/>.</summary>
    public static WebApplication MapDefaultEndpoints(this WebApplication app)
    {
        // The exporter maps every method; a scrape is a GET, and the route lists show it as one.
        app.MapPrometheusScrapingEndpoint(TelemetryNames.MetricsRoute)
            .WithMetadata(new HttpMethodMetadata([HttpMethods.Get]))
            .WithDescription("Metrics in the Prometheus text format");
        return app;
    }

    // Scrapes and probes arrive every few seconds; as traces they would bury the requests that matter.
    private static bool IsInfrastructureRequest(PathString path) =>
        path.StartsWithSegments(TelemetryNames.MetricsRoute) || path.StartsWithSegments("/health");
}
