using Jetstream.Emulator;
using Jetstream.Grains.Interfaces;
using Jetstream.Silo;
using Jetstream.TestSupport;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Orleans.Dashboard;

namespace Jetstream.Api.Tests;

/// <summary>
/// What the Api tests share: the Jetstream emulator, one real silo hosting the real processor grain (Localhost
/// clustering on free TCP ports, Azurite storage, all collections wanted) and the Api with an admin token as its
/// Orleans client. The silo is a real TCP host rather than an <c>InProcessTestCluster</c> (whose in-memory transport
/// no outside client can reach), so the Api joins it exactly as in production. Tests needing other Api settings start
/// their own <see cref="ApiServer"/> against the same silo.
/// </summary>
public sealed class ApiClusterFixture : IAsyncLifetime
{
    public const string ClusterId = "api-tests";

    private static readonly TimeSpan ProcessingTimeout = TimeSpan.FromSeconds(20);

    private readonly int _emulatorPort = FreePort.Next();
    private IHost? _silo;
    private ApiServer? _api;
    private JetstreamEmulator? _emulator;

    /// <summary>Unique per run: grain state and reminders live in tables shared with other test runs.</summary>
    public string ServiceId { get; } = "api-tests-" + Guid.NewGuid().ToString("N")[..8];

    public string StorageConnectionString { get; private set; } = string.Empty;

    public string QueueName { get; } = TestNames.Queue("api");

    /// <summary>This fixture's own table of webhook circuit reports (the consumers write it, the Api reads it).</summary>
    public string CircuitTable { get; } = "apicircuits" + Guid.NewGuid().ToString("N")[..16];

    public int GatewayPort { get; } = FreePort.Next();

    public int SiloPort { get; } = FreePort.Next();

    /// <summary>The Api with <see cref="AdminTokens.Valid"/> configured.</summary>
    public ApiServer Api => _api ?? throw new InvalidOperationException("The fixture is not initialised.");

    /// <summary>The running emulator; null between <see cref="StopEmulatorAsync"/> and <see cref="StartEmulatorAsync"/>.</summary>
    public JetstreamEmulator? Emulator => _emulator;

    public IJetstreamProcessorGrain Processor =>
        (_silo ?? throw new InvalidOperationException("The fixture is not initialised.")).Services
        .GetRequiredService<IGrainFactory>()
        .GetGrain<IJetstreamProcessorGrain>(IJetstreamProcessorGrain.DefaultKey);

    public IJetstreamProcessorGrain ProcessorOf(string id) =>
        (_silo ?? throw new InvalidOperationException("The fixture is not initialised.")).Services
        .GetRequiredService<IGrainFactory>()
        .GetGrain<IJetstreamProcessorGrain>(id);

    public async Task InitializeAsync()
    {
        StorageConnectionString = await SharedAzurite.GetConnectionStringAsync();
        await StartEmulatorAsync();

        var builder = Host.CreateApplicationBuilder();
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        var subscribe = new Uri($"ws://127.0.0.1:{_emulatorPort}/subscribe");
        builder.Configuration.AddInMemoryCollection(ProcessorTestCluster.Settings(subscribe, QueueName));
        builder.Configuration.AddInMemoryCollection([new("ConnectionStrings:AzureStorage", StorageConnectionString)]);
        builder.UseOrleans(silo =>
        {
            silo.UseLocalhostClustering(SiloPort, GatewayPort, serviceId: ServiceId, clusterId: ClusterId);
            silo.AddJetstreamProcessor(builder.Configuration, StorageConnectionString);
            silo.AddDashboard();
        });
        _silo = builder.Build();
        await _silo.StartAsync();
        try
        {
            await Eventually.HoldsAsync(async () => (await Processor.GetStatus()).Connected, ProcessingTimeout, "the processor to connect to the emulator");
        }
        catch (TimeoutException ex)
        {
            throw new TimeoutException($"{ex.Message}; status: {await Processor.GetStatus()}", ex);
        }

        _api = StartApi(AdminTokens.Valid);
    }

    /// <summary>Starts the emulator on the fixture's fixed port (again, after <see cref="StopEmulatorAsync"/>).</summary>
    public async Task StartEmulatorAsync() =>
        _emulator = await JetstreamEmulator.StartAsync(new EmulatorOptions { Urls = $"http://127.0.0.1:{_emulatorPort}" });

    /// <summary>Stops the emulator: its connections drop and new ones are refused until it starts again.</summary>
    public async Task StopEmulatorAsync()
    {
        if (_emulator is not null)
        {
            await _emulator.DisposeAsync();
            _emulator = null;
        }
    }

    /// <summary>Publishes <paramref name="events"/> and waits until the processor's cursor covers them all (queued or skipped).</summary>
    public async Task PublishAndWaitAsync(IReadOnlyList<string> events)
    {
        var emulator = _emulator ?? throw new InvalidOperationException("The emulator is stopped.");
        await Eventually.HoldsAsync(async () => (await Processor.GetStatus()).Connected, ProcessingTimeout, "the processor to be connected");
        var last = emulator.PublishMany(events).Max();
        await Eventually.HoldsAsync(
            async () => (await Processor.GetStats()).Cursor >= last,
            ProcessingTimeout,
            $"the processor's cursor to cover {events.Count} published events");
    }

    /// <summary>Settings of an Api that is a client of this fixture's silo.</summary>
    public Dictionary<string, string?> ApiSettings(string? adminToken) => new()
    {
        ["ConnectionStrings:AzureStorage"] = StorageConnectionString,
        ["Queue:Name"] = QueueName,
        ["Subscriptions:Container"] = QueueName + "-subs",
        ["Subscriptions:CircuitTable"] = CircuitTable,
        ["Orleans:Clustering"] = "Localhost",
        ["Orleans:GatewayPort"] = GatewayPort.ToString(),
        ["Orleans:ClusterId"] = ClusterId,
        ["Orleans:ServiceId"] = ServiceId,
        ["Api:AdminToken"] = adminToken,
        ["Webhook:AllowPrivateNetworks"] = "true",
        ["Logging:LogLevel:Default"] = "Warning",
    };

    public ApiServer StartApi(string? adminToken, IReadOnlyDictionary<string, string?>? overrides = null, bool captureLogs = false)
    {
        var settings = ApiSettings(adminToken);
        foreach (var (key, value) in overrides ?? new Dictionary<string, string?>())
        {
            settings[key] = value;
        }

        var api = new ApiServer(settings, captureLogs);
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

        await StopEmulatorAsync();
    }
}
