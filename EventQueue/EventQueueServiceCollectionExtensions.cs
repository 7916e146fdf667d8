using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace Jetstream.EventQueue;

public static class EventQueueServiceCollectionExtensions
{
    /// <summary>Binds <c>Queue</c> and <c>ConnectionStrings:AzureStorage</c> (validated at start) and registers <see cref="EventQueueClients"/> and <see cref="DeadLetterQueue"/>.</summary>
    public static IServiceCollection AddEventQueue(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<QueueOptions>()
            .BindConfiguration(QueueOptions.SectionName)
            .ValidateDataAnnotations()
            .ValidateOnStart();
        services.AddSingleton(new StorageConnection(configuration.GetConnectionString(StorageConnection.Name) ?? StorageConnection.DevelopmentStorage));
        services.AddSingleton<EventQueueClients>();
        services.AddSingleton<DeadLetterQueue>();
        return services;
    }
}
