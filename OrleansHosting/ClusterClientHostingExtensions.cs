using System.ComponentModel.DataAnnotations;
using Azure.Data.Tables;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using Orleans.Configuration;

namespace Jetstream.OrleansHosting;

/// <summary>
/// How the Api and the WebhookConsumer join the processors' cluster as Orleans clients: the same <c>Orleans:*</c>
/// settings the silos read, the same clustering providers, and a start that waits for a gateway instead of failing.
/// </summary>
public static class ClusterClientHostingExtensions
{
    /// <summary>
    /// Adds an Orleans client that finds the cluster as <c>Orleans:Clustering</c> says (checked here: a wrong value stops
    /// the host at start, naming the setting), with <paramref name="configure"/> for what the host adds on top.
    /// </summary>
    public static IServiceCollection AddJetstreamClusterClient(
        this IServiceCollection services, IConfiguration configuration, Func<TableServiceClient> clusteringTables, Action<IClientBuilder>? configure = null)
    {
        // The clustering provider is chosen while building, so the section is read (and checked) here, not at start.
        var options = ReadValidated(configuration);
        services.TryAddSingleton(TimeProvider.System);

        // Orleans reads its "Orleans" section on its own and would take Orleans:Clustering=Localhost for a provider
        // section (ProviderType "Default", unknown): the providers are chosen here, so the client gets no configuration.
        services.AddOrleansClient(new ConfigurationBuilder().Build(), client =>
        {
            switch (options.Clustering)
            {
                case ClusteringMode.Localhost:
                    client.UseLocalhostClustering(options.GatewayPort, options.ServiceId, options.ClusterId);
                    break;
                case ClusteringMode.AzureStorage:
                    client.Configure<ClusterOptions>(cluster =>
                    {
                        cluster.ClusterId = options.ClusterId;
                        cluster.ServiceId = options.ServiceId;
                    });
                    client.UseAzureStorageClustering(table => table.TableServiceClient = clusteringTables());
                    break;
            }

            client.UseConnectionRetryFilter<GatewayConnectionRetryFilter>();
            configure?.Invoke(client);
        });

        return services;
    }

    /// <summary>Binds <c>Orleans</c> to <see cref="OrleansHostingOptions"/>, validated at start (so the setting shows up as bound).</summary>
    public static IServiceCollection AddOrleansHostingOptions(this IServiceCollection services)
    {
        services.AddOptions<OrleansHostingOptions>()
            .BindConfiguration(OrleansHostingOptions.SectionName)
            .ValidateDataAnnotations()
            .ValidateOnStart();
        return services;
    }

    /// <summary>The <c>Orleans</c> section, checked as <see cref="AddOrleansHostingOptions"/> would check it at start.</summary>
    public static OrleansHostingOptions ReadValidated(IConfiguration configuration)
    {
        var options = configuration.GetSection(OrleansHostingOptions.SectionName).Get<OrleansHostingOptions>() ?? new OrleansHostingOptions();
        var results = new List<ValidationResult>();
        if (!Validator.TryValidateObject(options, new ValidationContext(options), results, validateAllProperties: true))
        {
            throw new OptionsValidationException(
                OrleansHostingOptions.SectionName,
                typeof(OrleansHostingOptions),
                results.Select(r => r.ErrorMessage ?? "Invalid Orleans setting."));
        }

        if (!Enum.IsDefined(options.Clustering))
        {
            throw new OptionsValidationException(
                OrleansHostingOptions.SectionName,
                typeof(OrleansHostingOptions),
                [$"Orleans:Clustering must be one of: {string.Join(", ", Enum.GetNames<ClusteringMode>())}."]);
        }

        return options;
    }
}
