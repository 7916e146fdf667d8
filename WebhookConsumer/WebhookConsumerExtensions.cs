using Jetstream.EventQueue;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Http.Resilience;
using Microsoft.Extensions.Options;
using Polly;

namespace Jetstream.WebhookConsumer;

public static class WebhookConsumerExtensions
{
    /// <summary>
    /// Adds the webhook consumer: the event queue (<c>Queue</c>, <c>ConnectionStrings:AzureStorage</c>), the validated
    /// <c>Webhook</c> settings (a missing or bad <c>Webhook:Url</c> stops the host at start), the webhook HTTP client
    /// and the poll loop as a hosted service.
    /// </summary>
    public static TBuilder AddWebhookConsumer<TBuilder>(this TBuilder builder)
        where TBuilder : IHostApplicationBuilder
    {
        var services = builder.Services;
        services.AddEventQueue(builder.Configuration);
        services.TryAddSingleton(TimeProvider.System);

        services.AddOptions<WebhookOptions>()
            .BindConfiguration(WebhookOptions.SectionName)
            .PostConfigure(options =>
            {
                if (options.RetrySchedule.Length == 0)
                {
                    options.RetrySchedule = [.. WebhookOptions.DefaultRetrySchedule];
                }
            })
            .ValidateDataAnnotations()
            .ValidateOnStart();
        services.AddSingleton<IValidateOptions<WebhookOptions>, WebhookOptionsValidator>();

        // No client-factory logging handlers: they log every request and open a log scope around it, which at thousands
        // of deliveries a second costs more than the request (docs/performance.md); the consumer logs failures itself.
        services.AddHttpClient(WebhookSender.HttpClientName, client => client.Timeout = Timeout.InfiniteTimeSpan)
            .RemoveAllLoggers()
            .ConfigurePrimaryHttpMessageHandler(provider => new SocketsHttpHandler
            {
                MaxConnectionsPerServer = provider.GetRequiredService<IOptions<WebhookOptions>>().Value.MaxConcurrency,
                PooledConnectionLifetime = TimeSpan.FromMinutes(5),
                AllowAutoRedirect = false,
                UseCookies = false,
            })

            // Polly's attempt timeout in the resilience handler. The pipeline is built plainly rather than with
            // AddResilienceHandler, whose per-request telemetry measured at about half the delivery rate on loopback.
            // Retries are not done here: they go through the queue (see RetryPolicy).
            .AddHttpMessageHandler(provider => new ResilienceHandler(new ResiliencePipelineBuilder<HttpResponseMessage>()
                .AddTimeout(TimeSpan.FromSeconds(provider.GetRequiredService<IOptions<WebhookOptions>>().Value.TimeoutSeconds))
                .Build()));

        services.AddSingleton<WebhookSigner>();
        services.AddSingleton<WebhookSender>();
        services.AddSingleton<RetryPolicy>();
        services.AddMetrics();
        services.AddSingleton<WebhookConsumerMetrics>();
        services.AddSingleton<BatchProcessor>();
        services.AddSingleton<ConsumerHealth>();
        services.AddHostedService<WebhookConsumerService>();
        services.AddHealthChecks().AddCheck<ConsumerHealth>("queue");
        return builder;
    }

    /// <summary>Maps <c>/health</c>: healthy while the consumer reaches its queue.</summary>
    public static IEndpointRouteBuilder MapWebhookConsumerHealth(this IEndpointRouteBuilder endpoints)
    {
        endpoints.MapHealthChecks("/health");
        return endpoints;
    }
}
