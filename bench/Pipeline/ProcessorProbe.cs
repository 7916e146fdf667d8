using Jetstream.Grains.Interfaces;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Jetstream.Bench.Pipeline;

/// <summary>An Orleans client of the benchmark's silo, reading the processor grain's own counters.</summary>
internal sealed class ProcessorProbe : IAsyncDisposable
{
    private readonly IHost _host;
    private readonly IJetstreamProcessorGrain _grain;

    private ProcessorProbe(IHost host)
    {
        _host = host;
        _grain = host.Services.GetRequiredService<IClusterClient>().GetGrain<IJetstreamProcessorGrain>(IJetstreamProcessorGrain.DefaultKey);
    }

    public static async Task<ProcessorProbe> ConnectAsync(int gatewayPort, string serviceId, string clusterId, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            var builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings { Configuration = new ConfigurationManager() });
            builder.Logging.ClearProviders();
            builder.UseOrleansClient(client => client.UseLocalhostClustering(gatewayPort, serviceId, clusterId));
            var host = builder.Build();
            try
            {
                await host.StartAsync();
                return new ProcessorProbe(host);
            }
            catch (Exception) when (DateTime.UtcNow < deadline)
            {
                host.Dispose();
                await Task.Delay(500);
            }
        }
    }

    public Task<ProcessorStats> StatsAsync() => _grain.GetStats();

    /// <summary>The connection's status: its wire, and on v2 the sequence cursor, which counts the stream that went by.</summary>
    public Task<ConnectionStatus> StatusAsync() => _grain.GetStatus();

    public async ValueTask DisposeAsync()
    {
        try
        {
            await _host.StopAsync(TimeSpan.FromSeconds(2));
        }
        catch (Exception ex) when (ex is OperationCanceledException or OrleansException)
        {
            // The silo may be gone already.
        }

        _host.Dispose();
    }
}
