using Jetstream.Api.Auth;
using Jetstream.Api.Health;
using Jetstream.Api.Json;
using Jetstream.Api.Stats;
using Jetstream.Storage;
using Jetstream.Storage.Subscriptions;
using Jetstream.Api.Subscriptions;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Jetstream.Api;

public static class ApiHostingExtensions
{
    public const string ReadyTag = "ready";

    /// <summary>
    /// Everything the routes need except the Orleans client itself: settings (validated at start), the queue clients,
    /// source-generated JSON, problem details, the dependency-unavailable handler and the readiness checks.
    /// </summary>
    public static WebApplicationBuilder AddJetstreamApi(this WebApplicationBuilder builder)
    {
        var services = builder.Services;
        services.AddOptions<ApiOptions>()
            .BindConfiguration(ApiOptions.SectionName)
            .ValidateDataAnnotations()
            .ValidateOnStart();
        services.AddEventQueue(builder.Configuration);
        services.TryAddSingleton(TimeProvider.System);
        services.AddSingleton<QueueMetrics>();
        services.AddSingleton<WebhookCircuitReader>();
        services.AddSingleton<StatsReader>();
        services.AddSingleton<AdminTokenValidator>();
        services.AddWebhookSecrets();
        services.AddSingleton<SubscriptionService>();
        services.AddSingleton<SubscriptionValidator>();
        services.AddOptions<WebhookUrlOptions>().BindConfiguration(WebhookUrlOptions.SectionName);
        services.AddApiDocument();

        services.ConfigureHttpJsonOptions(json => json.SerializerOptions.TypeInfoResolverChain.Insert(0, ApiJsonContext.Default));
        services.AddProblemDetails();
        services.AddExceptionHandler<DependencyUnavailableExceptionHandler>();

        services.AddHealthChecks()
            .AddCheck<ClusterHealthCheck>("cluster", tags: [ReadyTag])
            .AddCheck<StorageHealthCheck>("storage", tags: [ReadyTag]);
        return builder;
    }

    /// <summary>Problem-details bodies for errors: 503 when the cluster or storage cannot answer, and for 404/405 from routing.</summary>
    public static WebApplication UseApiErrors(this WebApplication app)
    {
        app.UseExceptionHandler();
        app.UseStatusCodePages();
        return app;
    }
}
