using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Jetstream.Grains.Backfill.Network;
using Microsoft.Extensions.Options;

namespace Jetstream.Grains.Backfill;

public static class BackfillServiceCollectionExtensions
{
    /// <summary>What the backfill grains need: validated <c>Backfill</c> and <c>Atproto</c> options, its tables, metrics and the repository source.</summary>
    public static IServiceCollection AddBackfill(this IServiceCollection services)
    {
        services.AddOptions<BackfillOptions>().BindConfiguration(BackfillOptions.SectionName).ValidateDataAnnotations().ValidateOnStart();
        services.AddOptions<AtprotoNetworkOptions>().BindConfiguration(AtprotoNetworkOptions.SectionName).ValidateDataAnnotations().ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<BackfillOptions>, BackfillOptionsValidator>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<AtprotoNetworkOptions>, BackfillOptionsValidator>());
        services.TryAddSingleton<BackfillMetrics>();
        services.TryAddSingleton<BackfillRepoTable>();
        services.TryAddSingleton<DeliveredIndex>();
        services.TryAddSingleton<HeldEventTable>();
        services.TryAddSingleton<GatheredSends>();
        services.TryAddSingleton<RepositoryBackfill>();
        services.TryAddSingleton(sp => AtprotoClients.Create(sp.GetRequiredService<IOptions<AtprotoNetworkOptions>>().Value, sp.GetRequiredService<TimeProvider>()));
        services.TryAddSingleton<IRepositorySource>(sp => new AtprotoRepositorySource(sp.GetRequiredService<AtprotoClients>().Sync, sp.GetRequiredService<AtprotoClients>().Resolver,
            sp.GetRequiredService<IOptions<AtprotoNetworkOptions>>(), sp.GetRequiredService<TimeProvider>()));
        return services;
    }
}
