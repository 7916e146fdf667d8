using Jetstream.Storage;
using Jetstream.OrleansHosting;
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
        builder.Services.AddOrleansHostingOptions();
        var storage = builder.Configuration.GetConnectionString(StorageConnection.Name) ?? StorageConnection.DevelopmentStorage;

        // The client's start waits for a gateway (see GatewayConnectionRetryFilter); starting the hosted services
        // concurrently lets Kestrel answer /health/live and 503s meanwhile instead of refusing connections.
        builder.Services.Configure<HostOptions>(host => host.ServicesStartConcurrently = true);
        builder.Services.AddJetstreamClusterClient(builder.Configuration, new StorageConnection(storage).TableService, client => client.AddDashboard());
        return builder;
    }
}
