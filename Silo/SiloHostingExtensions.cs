using System.Net;
using System.Net.Sockets;
using Jetstream.Storage;
using Jetstream.OrleansHosting;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Options;
using Orleans.Configuration;
using Orleans.Dashboard;

namespace Jetstream.Silo;

public static class SiloHostingExtensions
{
    /// <summary>The Orleans silo (clustering per <c>Orleans:Clustering</c>), the processor, the dashboard and health checks.</summary>
    public static WebApplicationBuilder AddJetstreamSilo(this WebApplicationBuilder builder)
    {
        builder.Services.AddOptions<OrleansHostingOptions>()
            .BindConfiguration(OrleansHostingOptions.SectionName)
            .ValidateDataAnnotations()
            .ValidateOnStart();
        var orleans = builder.Configuration.GetSection(OrleansHostingOptions.SectionName).Get<OrleansHostingOptions>() ?? new OrleansHostingOptions();
        var storage = builder.Configuration.GetConnectionString(StorageConnection.Name) ?? StorageConnection.DevelopmentStorage;

        // Services.AddOrleans, not UseOrleans: the latter also reads the "Orleans" section as provider configuration,
        // and our own Orleans:Clustering (Localhost | AzureStorage) is not a provider section.
        builder.Services.AddOrleans(silo =>
        {
            if (orleans.Clustering == ClusteringMode.AzureStorage)
            {
                silo.UseAzureStorageClustering(options => options.TableServiceClient = new StorageConnection(storage).TableService());
                silo.Configure<ClusterOptions>(options =>
                {
                    options.ClusterId = orleans.ClusterId;
                    options.ServiceId = orleans.ServiceId;
                });
                silo.ConfigureEndpoints(AdvertisedAddress(orleans), orleans.SiloPort, orleans.GatewayPort, listenOnAnyHostAddress: true);
            }
            else
            {
                silo.UseLocalhostClustering(orleans.SiloPort, orleans.GatewayPort, serviceId: orleans.ServiceId, clusterId: orleans.ClusterId);
            }

            // The directory cache is sized for a million grains by default and allocates for that up front (about 9 MB);
            // this cluster runs a processor grain per key and the dashboard's grains (docs/performance.md, Silo memory).
            silo.Configure<GrainDirectoryOptions>(options => options.CacheSize = 10_000);
            silo.AddJetstreamProcessor(builder.Configuration, storage);
            silo.AddDashboard();
        });

        builder.Services.AddHealthChecks()
            .AddCheck("process", () => HealthCheckResult.Healthy(), tags: ["live"])
            .AddCheck<StorageHealthCheck>("storage", tags: ["ready"]);
        return builder;
    }

    public static WebApplication MapJetstreamSilo(this WebApplication app)
    {
        // The Orleans Dashboard UI is served by the Api (behind its admin token); the silo only collects its data.
        app.MapGet("/", () => Results.Text("Jetstream.Orleans silo: /health/live, /health/ready, /metrics (Prometheus). The Orleans Dashboard is on the Api at /dashboard.\n"));
        app.MapHealthChecks("/health/live", new() { Predicate = check => check.Tags.Contains("live") });
        app.MapHealthChecks("/health/ready", new() { Predicate = check => check.Tags.Contains("ready") });
        return app;
    }

    private static IPAddress AdvertisedAddress(OrleansHostingOptions orleans)
    {
        var configured = orleans.AdvertisedIPAddress ?? Environment.GetEnvironmentVariable("POD_IP");
        if (!string.IsNullOrEmpty(configured))
        {
            return IPAddress.TryParse(configured, out var address)
                ? address
                : throw new OptionsValidationException(nameof(OrleansHostingOptions), typeof(OrleansHostingOptions),
                    [$"Orleans:AdvertisedIPAddress ('{configured}') is not an IP address."]);
        }

        return Dns.GetHostAddresses(Dns.GetHostName()).FirstOrDefault(a => a.AddressFamily == AddressFamily.InterNetwork && !IPAddress.IsLoopback(a))
            ?? IPAddress.Loopback;
    }
}
