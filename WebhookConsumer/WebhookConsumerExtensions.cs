using Jetstream.Storage.Subscriptions;
using Jetstream.Storage;
using Jetstream.OrleansHosting;
using Jetstream.WebhookConsumer.Circuit;
using Jetstream.WebhookConsumer.Deliver;
using Jetstream.WebhookConsumer.Hosting;
using Jetstream.WebhookConsumer.Settle;
using Jetstream.WebhookConsumer.Subscriptions;
using Jetstream.WebhookConsumer.WakeOnWrite;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace Jetstream.WebhookConsumer;

public static class WebhookConsumerExtensions
{
    /// <summary>
    /// Adds the webhook consumer: the event queues and subscription store (<c>Queue</c>, <c>Subscriptions</c>,
    /// <c>ConnectionStrings:AzureStorage</c>), the shared key ring for webhook secrets, the validated <c>Webhook</c>
    /// settings (a bad <c>Webhook:Url</c> stops the host at start), the webhook HTTP clients, wake-on-write (an Orleans
    /// client of the processors' cluster per <c>Orleans:*</c> and <c>WakeOnWrite:*</c>, connected in the background)
    /// and, as a hosted service, the manager of one delivery loop per subscription.
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

        services.AddWebhookSecrets();
        services.AddWebhookHttpClients();
        services.AddSingleton<RetryPolicy>();
        services.AddMetrics();
        services.AddSingleton<WebhookConsumerMetrics>();
        services.AddSingleton(provider => new DeliverySlots(provider.GetRequiredService<IOptions<WebhookOptions>>().Value.MaxConcurrency));
        services.AddSingleton<SubscriptionSettingsFactory>();
        services.AddSingleton<EndpointCircuits>();
        services.AddHostedService<CircuitReporter>();
        services.AddSingleton<WebhookSenderFactory>();
        services.AddSingleton<SubscriptionRemover>();
        services.AddSingleton<SubscriptionLoopFactory>();
        services.AddSingleton<ConsumerHealth>();

        services.AddOrleansHostingOptions();
        services.AddOptions<WakeOnWriteOptions>()
            .BindConfiguration(WakeOnWriteOptions.SectionName)
            .ValidateDataAnnotations()
            .ValidateOnStart();
        services.AddSingleton<ClusterConnection>();

        // Before the loops' manager: hosted services stop in reverse order, so the loops stop before the client does.
        services.AddHostedService(provider => provider.GetRequiredService<ClusterConnection>());
        services.AddHostedService<WebhookConsumerService>();
        services.AddHealthChecks().AddCheck<ConsumerHealth>("queue");
        return builder;
    }

    /// <summary>
    /// Maps <c>/health</c>: 200 while every subscription's queue is reached (its text says which subscriptions wait for
    /// a webhook), 503 when one is not.
    /// </summary>
    public static IEndpointRouteBuilder MapWebhookConsumerHealth(this IEndpointRouteBuilder endpoints)
    {
        endpoints.MapHealthChecks("/health", new HealthCheckOptions
        {
            ResponseWriter = (context, report) =>
            {
                context.Response.ContentType = "text/plain; charset=utf-8";
                var details = string.Join(" ", report.Entries.Values.Select(e => e.Description).Where(d => !string.IsNullOrEmpty(d)));
                return context.Response.WriteAsync(details.Length == 0 ? report.Status.ToString() : $"{report.Status}: {details}");
            },
        });
        return endpoints;
    }
}
