using Jetstream.Storage.Subscriptions;
using Jetstream.WebhookConsumer.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Http.Resilience;
using Microsoft.Extensions.Options;
using Polly.Timeout;
using Polly;

namespace Jetstream.WebhookConsumer.Deliver;

/// <summary>
/// The two webhook HTTP clients: <see cref="Operator"/> for <c>Webhook:Url</c>, which the operator configured and may
/// point anywhere, and <see cref="Subscription"/> for URLs from subscription documents, which anyone with the admin
/// token can set, so it refuses private addresses at connect time (<see cref="PrivateNetworks.Guard"/>). Both take
/// each request's timeout from the request itself (<see cref="TimeoutKey"/>): one Polly timeout for every subscription.
/// </summary>
internal static class WebhookHttpClients
{
    public const string Operator = "webhook";
    public const string Subscription = "webhook-subscription";

    /// <summary>The attempt timeout of one request; the sender sets it from its subscription's settings.</summary>
    public static readonly HttpRequestOptionsKey<TimeSpan> TimeoutKey = new("Jetstream.Webhook.Timeout");

    public static IServiceCollection AddWebhookHttpClients(this IServiceCollection services)
    {
        Add(services, Operator, guarded: false);
        Add(services, Subscription, guarded: true);
        return services;
    }

    private static void Add(IServiceCollection services, string name, bool guarded)
    {
        // No client-factory logging handlers: they log every request and open a log scope around it, which at thousands
        // of deliveries a second costs more than the request (docs/performance.md); the consumer logs failures itself.
        services.AddHttpClient(name, client => client.Timeout = Timeout.InfiniteTimeSpan)
            .RemoveAllLoggers()
            .ConfigurePrimaryHttpMessageHandler(provider =>
            {
                var options = provider.GetRequiredService<IOptions<WebhookOptions>>().Value;
                var handler = new SocketsHttpHandler
                {
                    MaxConnectionsPerServer = options.MaxConcurrency,
                    PooledConnectionLifetime = TimeSpan.FromMinutes(5),
                    AllowAutoRedirect = false,
                    UseCookies = false,
                };
                if (guarded)
                {
                    // A proxy would be the address checked instead of the receiver's.
                    handler.UseProxy = false;
                    PrivateNetworks.Guard(options.AllowPrivateNetworks).Apply(handler);
                }

                return handler;
            })

            // Polly's attempt timeout in the resilience handler. The pipeline is built plainly rather than with
            // AddResilienceHandler, whose per-request telemetry measured at about half the delivery rate on loopback.
            // Retries are not done here: they go through the queue (see RetryPolicy).
            .AddHttpMessageHandler(provider =>
            {
                var fallback = TimeSpan.FromSeconds(provider.GetRequiredService<IOptions<WebhookOptions>>().Value.TimeoutSeconds);
                return new ResilienceHandler(new ResiliencePipelineBuilder<HttpResponseMessage>()
                    .AddTimeout(new TimeoutStrategyOptions
                    {
                        TimeoutGenerator = args => ValueTask.FromResult(
                            args.Context.GetRequestMessage() is { } request && request.Options.TryGetValue(TimeoutKey, out var timeout) ? timeout : fallback),
                    })
                    .Build());
            });
    }
}
