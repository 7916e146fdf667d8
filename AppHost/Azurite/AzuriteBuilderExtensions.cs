using System.Globalization;
using Microsoft.Extensions.DependencyInjection;

namespace Jetstream.AppHost.Azurite;

internal static class AzuriteBuilderExtensions
{
    /// <summary>
    /// Azurite from the repository's node_modules, listening on loopback at fixed ports, data in
    /// <paramref name="dataDirectory"/> (the cursor and the queue survive a restart), healthy once the three ports accept
    /// connections.
    /// </summary>
    public static IResourceBuilder<AzuriteResource> AddAzurite(
        this IDistributedApplicationBuilder builder, string name, string repositoryRoot, string dataDirectory, int blobPort, int queuePort, int tablePort)
    {
        Directory.CreateDirectory(dataDirectory);
        var healthCheck = $"{name}-ports";
        builder.Services.AddHealthChecks().AddCheck(healthCheck, new TcpPortsHealthCheck(blobPort, queuePort, tablePort));

        string Text(int port) => port.ToString(CultureInfo.InvariantCulture);
        return builder.AddResource(new AzuriteResource(name, repositoryRoot))
            .WithArgs(
                "--require", Path.Combine(builder.AppHostDirectory, "Azurite", "exit-on-stop.cjs"),
                StorageResources.AzuriteScript, "--silent", "--loose", "--skipApiVersionCheck", "--disableTelemetry", "--disableProductStyleUrl",
                "--location", dataDirectory,
                "--blobHost", "127.0.0.1", "--blobPort", Text(blobPort),
                "--queueHost", "127.0.0.1", "--queuePort", Text(queuePort),
                "--tableHost", "127.0.0.1", "--tablePort", Text(tablePort))
            .WithEndpoint("blob", Fixed(blobPort))
            .WithEndpoint("queue", Fixed(queuePort))
            .WithEndpoint("table", Fixed(tablePort))
            .WithHealthCheck(healthCheck);
    }

    private static Action<EndpointAnnotation> Fixed(int port) => endpoint =>
    {
        endpoint.Port = port;
        endpoint.TargetPort = port;
        endpoint.IsProxied = false;
        endpoint.UriScheme = "http";
    };
}
