using System.Net;
using Azure.Data.Tables;
using Jetstream.Silo;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Orleans.Configuration;

namespace Jetstream.TestSupport;

/// <summary>
/// A real silo in this process, on real TCP ports (an <c>InProcessTestCluster</c>'s in-memory transport is out of reach
/// of an outside client such as the Api or the WebhookConsumer), hosting the real processor grain. Localhost clustering
/// for one silo on a known gateway port, or Azure Table clustering on Azurite for several.
/// </summary>
public sealed class TcpSilo : IAsyncDisposable
{
    private readonly IHost _host;
    private bool _stopped;

    private TcpSilo(IHost host, int gatewayPort)
    {
        _host = host;
        GatewayPort = gatewayPort;
    }

    public int GatewayPort { get; }

    public IGrainFactory Grains => _host.Services.GetRequiredService<IGrainFactory>();

    public SiloAddress Address => _host.Services.GetRequiredService<ILocalSiloDetails>().SiloAddress;

    /// <summary>
    /// Starts a silo of cluster <paramref name="clusterId"/>/<paramref name="serviceId"/> with <paramref name="settings"/>
    /// as its configuration (e.g. <see cref="ProcessorTestCluster.Settings"/>). <paramref name="azureClustering"/> false:
    /// Localhost clustering on <paramref name="gatewayPort"/> (one silo); true: Azure Table membership.
    /// </summary>
    public static async Task<TcpSilo> StartAsync(
        string storageConnectionString, IReadOnlyDictionary<string, string?> settings, string clusterId, string serviceId,
        bool azureClustering, int? gatewayPort = null)
    {
        var gateway = gatewayPort ?? FreePort.Next();
        var siloPort = FreePort.Next();
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Configuration.AddInMemoryCollection(settings);
        builder.Configuration.AddInMemoryCollection([new("ConnectionStrings:AzureStorage", storageConnectionString)]);
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        if (Environment.GetEnvironmentVariable("JETSTREAM_TEST_LOGS") == "1")
        {
            builder.Logging.AddSimpleConsole().AddFilter("Jetstream", LogLevel.Debug);
        }

        builder.UseOrleans(silo =>
        {
            if (azureClustering)
            {
                silo.UseAzureStorageClustering(options => options.TableServiceClient = new TableServiceClient(storageConnectionString));
                silo.Configure<ClusterOptions>(options =>
                {
                    options.ClusterId = clusterId;
                    options.ServiceId = serviceId;
                });
                silo.ConfigureEndpoints(IPAddress.Loopback, siloPort, gateway);
            }
            else
            {
                silo.UseLocalhostClustering(siloPort, gateway, serviceId: serviceId, clusterId: clusterId);
            }

            silo.AddJetstreamProcessor(builder.Configuration, storageConnectionString);
        });
        var host = builder.Build();
        await host.StartAsync();
        return new TcpSilo(host, gateway);
    }

    /// <summary>Stops the silo gracefully: its grains deactivate and it leaves the cluster.</summary>
    public async Task StopAsync()
    {
        if (!_stopped)
        {
            _stopped = true;
            await _host.StopAsync();
        }
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync();
        _host.Dispose();
    }
}
