using Jetstream.Storage.Circuits;
using Jetstream.Storage.Subscriptions;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace Jetstream.Storage;

public static class EventQueueServiceCollectionExtensions
{
    /// <summary>
    /// Binds <c>Queue</c>, <c>Subscriptions</c> and <c>ConnectionStrings:AzureStorage</c> (validated at start) and registers
    /// the per-subscription queue clients, the subscription store, the endpoint circuit reports, and, for <c>default</c>, <see cref="EventQueueClients"/>
    /// and <see cref="DeadLetterQueue"/>.
    /// </summary>
    public static IServiceCollection AddEventQueue(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<QueueOptions>()
            .BindConfiguration(QueueOptions.SectionName)
            .ValidateDataAnnotations()
            .ValidateOnStart();
        services.AddOptions<SubscriptionOptions>()
            .BindConfiguration(SubscriptionOptions.SectionName)
            .ValidateDataAnnotations()
            .ValidateOnStart();
        services.AddSingleton(new StorageConnection(configuration.GetConnectionString(StorageConnection.Name) ?? StorageConnection.DevelopmentStorage));
        services.AddSingleton<EventQueueClientsFactory>();
        services.AddSingleton(sp => sp.GetRequiredService<EventQueueClientsFactory>().For(SubscriptionDocument.DefaultId));
        services.AddSingleton<DeadLetterQueue>();
        services.AddSingleton<SubscriptionStore>();
        services.AddSingleton<EndpointCircuitStore>();
        return services;
    }
}
