using Jetstream.Storage;
using Jetstream.Grains.Backfill;
using Jetstream.Grains.Connection;
using Jetstream.Grains.Options;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace Jetstream.Grains;

public static class GrainsServiceCollectionExtensions
{
    /// <summary>What the processor grain needs: validated <c>Jetstream</c> and <c>Queue</c> options, the queue clients, metrics, a clock.</summary>
    public static IServiceCollection AddJetstreamProcessor(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<JetstreamOptions>()
            .BindConfiguration(JetstreamOptions.SectionName)
            .PostConfigure(options =>
            {
                options.ApplyDefaults();
                options.ForwardRawBody = string.Equals(configuration["Webhook:Body"], "raw", StringComparison.OrdinalIgnoreCase);
            })
            .ValidateDataAnnotations()
            .ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<JetstreamOptions>, JetstreamOptionsValidator>());
        services.AddEventQueue(configuration);
        services.TryAddSingleton(TimeProvider.System);
        services.AddMetrics();
        services.TryAddSingleton<ProcessorMetrics>();
        services.AddHttpClient(StoredZstdDictionaries.HttpClientName, http => http.Timeout = TimeSpan.FromSeconds(15));
        services.AddHttpClient(XrpcRejection.HttpClientName, http => http.Timeout = TimeSpan.FromSeconds(10));
        services.TryAddSingleton<IZstdDictionarySource, StoredZstdDictionaries>();
        services.AddBackfill();
        return services;
    }
}
