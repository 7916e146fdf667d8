using Jetstream.Grains.Interfaces;
using Jetstream.TestSupport;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Orleans.Dashboard;

namespace Jetstream.Api.Tests;

/// <summary>
/// One real silo (Localhost clustering on free TCP ports, Azurite storage) shared by the Api tests, and the Api with an
/// admin token as its client. Tests that need other Api settings start their own <see cref="ApiServer"/> against it.
/// </summary>
public sealed class ApiClusterFixture : IAsyncLifetime
{
    public const string ClusterId = "api-tests";
    public const string ServiceId = "api-tests";

    private IHost? _silo;
    private ApiServer? _api;

    public string StorageConnectionString { get; private set; } = string.Empty;

    public string QueueName { get; } = TestNames.Queue("api");

    public int GatewayPort { get; } = FreePort.Next();

    public int SiloPort { get; } = FreePort.Next();

    /// <summary>The Api with <see cref="AdminTokens.Valid"/> configured.</summary>
    public ApiServer Api => _api ?? throw new InvalidOperationException("The fixture is not initialised.");

    public IJetstreamProcessorGrain Processor =>
        (_silo ?? throw new InvalidOperationException("The fixture is not initialised.")).Services
        .GetRequiredService<IGrainFactory>()
        .GetGrain<IJetstreamProcessorGrain>(IJetstreamProcessorGrain.DefaultKey);

    public async Task InitializeAsync()
    {
        StorageConnectionString = await SharedAzurite.GetConnectionStringAsync();

        var builder = Host.CreateApplicationBuilder();
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        builder.UseOrleans(silo =>
        {
            silo.UseLocalhostClustering(SiloPort, GatewayPort, serviceId: ServiceId, clusterId: ClusterId);
            silo.AddDashboard();
        });
        _silo = builder.Build();
        await _silo.StartAsync();

        _api = StartApi(AdminTokens.Valid);
    }

    /// <summary>Settings of an Api that is a client of this fixture's silo.</summary>
    public Dictionary<string, string?> ApiSettings(string? adminToken) => new()
    {
        ["ConnectionStrings:AzureStorage"] = StorageConnectionString,
        ["Queue:Name"] = QueueName,
        ["Orleans:Clustering"] = "Localhost",
        ["Orleans:GatewayPort"] = GatewayPort.ToString(),
        ["Orleans:ClusterId"] = ClusterId,
        ["Orleans:ServiceId"] = ServiceId,
        ["Api:AdminToken"] = adminToken,
        ["Logging:LogLevel:Default"] = "Warning",
    };

    public ApiServer StartApi(string? adminToken, IReadOnlyDictionary<string, string?>? overrides = null)
    {
        var settings = ApiSettings(adminToken);
        foreach (var (key, value) in overrides ?? new Dictionary<string, string?>())
        {
            settings[key] = value;
        }

        var api = new ApiServer(settings);
        _ = api.BaseAddress;
        return api;
    }

    public async Task DisposeAsync()
    {
        if (_api is not null)
        {
            await _api.DisposeAsync();
        }

        if (_silo is not null)
        {
            await _silo.StopAsync();
            _silo.Dispose();
        }
    }
}
