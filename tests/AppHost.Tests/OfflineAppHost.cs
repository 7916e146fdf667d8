using System.Globalization;
using Aspire.Hosting;
using Aspire.Hosting.ApplicationModel;
using Aspire.Hosting.Testing;
using Jetstream.TestSupport;
using Microsoft.Extensions.DependencyInjection;

namespace Jetstream.AppHost.Tests;

/// <summary>
/// The AppHost started offline by Aspire's testing host, as <c>run.sh --offline</c> starts it, with the dashboard on,
/// every fixed port free and its own Azurite data and log folders.
/// </summary>
internal sealed class OfflineAppHost : IAsyncDisposable
{
    public static readonly string[] Resources = ["azurite", "jetstream-emulator", "receiver", "silo-1", "silo-2", "api", "webhook-consumer"];

    private readonly string _state;

    private OfflineAppHost(DistributedApplication app, string state, string dashboardApiKey)
    {
        App = app;
        _state = state;
        DashboardApiKey = dashboardApiKey;
    }

    public DistributedApplication App { get; }

    /// <summary>The dashboard, where the testing host put it (it moves the ports Aspire proxies).</summary>
    public Uri DashboardUrl => App.GetEndpoint("aspire-dashboard", "http");

    /// <summary>The key of the dashboard's telemetry API, which the AppHost generates for each run.</summary>
    public string DashboardApiKey { get; }

    /// <summary>Starts the AppHost with the emulator's feed off, so only the events a test publishes flow.</summary>
    public static async Task<OfflineAppHost> StartAsync(CancellationToken cancellationToken)
    {
        var state = Path.Combine(Path.GetTempPath(), "apphost-test-" + Guid.NewGuid().ToString("N")[..8]);
        string[] ports =
        [
            "JETSTREAM_API_PORT", "JETSTREAM_SILO_PORT", "JETSTREAM_SILO2_PORT", "JETSTREAM_CONSUMER_PORT", "JETSTREAM_EMULATOR_PORT",
            "JETSTREAM_RECEIVER_PORT", "JETSTREAM_AZURITE_BLOB_PORT", "JETSTREAM_AZURITE_QUEUE_PORT", "JETSTREAM_AZURITE_TABLE_PORT",
            "JETSTREAM_SILO_ORLEANS_PORT", "JETSTREAM_SILO_GATEWAY_PORT", "JETSTREAM_SILO2_ORLEANS_PORT", "JETSTREAM_SILO2_GATEWAY_PORT",
        ];
        string[] args =
        [
            "--offline",
            $"--ASPNETCORE_URLS=http://127.0.0.1:{FreePort.Next()}",
            $"--ASPIRE_DASHBOARD_OTLP_ENDPOINT_URL=http://127.0.0.1:{FreePort.Next()}",
            "--ASPIRE_ALLOW_UNSECURED_TRANSPORT=true",
            "--JETSTREAM_EMULATOR_RATE=0",
            $"--JETSTREAM_AZURITE_DIR={Path.Combine(state, "azurite")}",
            $"--JETSTREAM_LOG_DIR={Path.Combine(state, "logs")}",
            .. ports.Select(name => $"--{name}={FreePort.Next().ToString(CultureInfo.InvariantCulture)}"),
        ];

        // The testing host turns the dashboard off by default; this test reads the trace back from it.
        var builder = await DistributedApplicationTestingBuilder.CreateAsync<Projects.AppHost>(
            args, (options, _) => options.DisableDashboard = false, cancellationToken);
        var apiKey = builder.Configuration["AppHost:DashboardApiKey"]
            ?? throw new InvalidOperationException("The AppHost generated no key for the dashboard's telemetry API.");
        var app = await builder.BuildAsync(cancellationToken);
        var host = new OfflineAppHost(app, state, apiKey);
        try
        {
            await app.StartAsync(cancellationToken);
            foreach (var resource in Resources)
            {
                await app.ResourceNotifications.WaitForResourceHealthyAsync(resource, cancellationToken);
            }
        }
        catch
        {
            await host.DisposeAsync();
            throw;
        }

        return host;
    }

    /// <summary>The resource's console, as the dashboard shows it, one line at a time as it is written.</summary>
    public IAsyncEnumerable<IReadOnlyList<LogLine>> Console(string resourceName) =>
        App.Services.GetRequiredService<ResourceLoggerService>()
            .WatchAsync(App.Services.GetRequiredService<DistributedApplicationModel>().Resources.Single(r => r.Name == resourceName));

    public async ValueTask DisposeAsync()
    {
        await App.DisposeAsync();
        try
        {
            Directory.Delete(_state, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}
