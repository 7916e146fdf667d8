using System.ComponentModel.DataAnnotations;
using Azure.Data.Tables;
using Jetstream.EventQueue;
using Jetstream.Grains.Interfaces.Hosting;
using Microsoft.Extensions.Options;
using Orleans.Configuration;
using Orleans.Dashboard;

namespace Jetstream.Api.Orleans;

public static class OrleansClientHostingExtensions
{
    /// <summary>
    /// Makes the host an Orleans client of the processor's cluster, found as <c>Orleans:Clustering</c> says, with the
    /// Orleans Dashboard's client services so the Api can serve the dashboard too.
    /// </summary>
    public static WebApplicationBuilder AddOrleansClusterClient(this WebApplicationBuilder builder)
    {
        builder.Services.AddOptions<OrleansHostingOptions>()
            .BindConfiguration(OrleansHostingOptions.SectionName)
            .ValidateDataAnnotations()
            .ValidateOnStart();

        // The clustering provider is chosen while building, so the section is read (and checked) here, not at start.
        var options = ReadValidated(builder.Configuration);
        var storage = builder.Configuration.GetConnectionString(StorageConnection.Name) ?? StorageConnection.DevelopmentStorage;

        // The client's start waits for a gateway (see GatewayConnectionRetryFilter); starting the hosted services
        // concurrently lets Kestrel answer /health/live and 503s meanwhile instead of refusing connections.
        builder.Services.Configure<HostOptions>(host => host.ServicesStartConcurrently = true);

        // Orleans reads its "Orleans" section on its own and would take Orleans:Clustering=Localhost for a provider
        // section (ProviderType "Default", unknown): the providers are chosen here, so the client gets no configuration.
        builder.Services.AddOrleansClient(new ConfigurationBuilder().Build(), client =>
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
                    client.UseAzureStorageClustering(table => table.TableServiceClient = new TableServiceClient(storage));
                    break;
            }

            client.UseConnectionRetryFilter<GatewayConnectionRetryFilter>();
            client.AddDashboard();
        });

        return builder;
    }

    private static OrleansHostingOptions ReadValidated(IConfiguration configuration)
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
