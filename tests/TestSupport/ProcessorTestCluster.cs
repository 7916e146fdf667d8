using Jetstream.Silo;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging;
using Orleans.TestingHost;

namespace Jetstream.TestSupport;

/// <summary>
/// An in-process Orleans cluster hosting the real processor grain with Azure Table storage and reminders on the given
/// storage account. <paramref name="settings"/> are configuration keys (e.g. <c>Jetstream:Endpoints:0</c>).
/// </summary>
public static class ProcessorTestCluster
{
    public static async Task<InProcessTestCluster> StartAsync(
        string storageConnectionString, IReadOnlyDictionary<string, string?> settings, short silos = 1, Action<ISiloBuilder>? configureSilo = null)
    {
        var builder = new InProcessTestClusterBuilder(silos);
        // The grain's state key includes the service id: a fresh one per cluster keeps tests from sharing a cursor.
        builder.Options.ServiceId = "svc-" + Guid.NewGuid().ToString("N")[..12];
        builder.Options.ClusterId = "cluster-" + Guid.NewGuid().ToString("N")[..12];
        var all = new Dictionary<string, string?>(settings) { ["ConnectionStrings:AzureStorage"] = storageConnectionString };
        builder.ConfigureSiloHost((_, host) =>
        {
            host.Configuration.AddInMemoryCollection(all);
            if (Environment.GetEnvironmentVariable("JETSTREAM_TEST_LOGS") == "1")
            {
                host.Logging.AddSimpleConsole().AddFilter("Jetstream", LogLevel.Debug);
            }
        });
        builder.ConfigureSilo((_, silo) =>
        {
            silo.AddJetstreamProcessor(silo.Configuration, storageConnectionString);
            configureSilo?.Invoke(silo);
        });
        var cluster = builder.Build();
        await cluster.DeployAsync();
        return cluster;
    }

    /// <summary>Settings for a processor reading <paramref name="subscribeUri"/> into <paramref name="queueName"/>, with fast reconnects.</summary>
    public static Dictionary<string, string?> Settings(Uri subscribeUri, string queueName, params string[] wantedCollections)
    {
        var settings = new Dictionary<string, string?>
        {
            ["Jetstream:Endpoints:0"] = subscribeUri.ToString(),
            ["Jetstream:InitialBackoffMs"] = "100",
            ["Jetstream:MaxBackoffMs"] = "1000",
            ["Queue:Name"] = queueName,
            ["Queue:LargeEventContainer"] = queueName + "-large",
            ["Subscriptions:Container"] = queueName + "-subs",
            // A backfill in a test never asks the public network: nothing listens on port 9.
            ["Atproto:RelayUrl"] = "http://127.0.0.1:9",
            ["Atproto:PlcUrl"] = "http://127.0.0.1:9",
            ["Atproto:AllowPrivateNetworks"] = "true",
            ["Backfill:InitialRetryDelayMs"] = "100",
            ["Backfill:MaxRetryDelayMs"] = "400",
        };
        if (wantedCollections.Length == 0)
        {
            settings["Jetstream:AllCollections"] = "true";
        }

        for (var i = 0; i < wantedCollections.Length; i++)
        {
            settings[$"Jetstream:WantedCollections:{i}"] = wantedCollections[i];
        }

        return settings;
    }
}
