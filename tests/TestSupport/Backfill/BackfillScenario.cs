using System.Text.Json;
using Jetstream.Storage;
using Jetstream.Storage.Subscriptions;
using Jetstream.Grains.Backfill;
using Jetstream.Grains.Interfaces.Backfill;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Orleans.Configuration;
using Orleans.TestingHost;
using Xunit;

namespace Jetstream.TestSupport.Backfill;

/// <summary>
/// A real in-process cluster (Azure Table grain state and reminders on Azurite) with the backfill grains reading the
/// given repository source (or, without one, the network at <c>Atproto:RelayUrl</c>/<c>PlcUrl</c> through the real
/// AT Protocol client), one subscription in the store, its queue and the backfill tables all named for this test.
/// Shared by the Grains tests (in-memory and signed HTTP networks) and the Backfill tests (the reference PDS and PLC).
/// </summary>
public sealed class BackfillScenario : IAsyncDisposable
{
    private BackfillScenario(InProcessTestCluster cluster, string storage, Dictionary<string, string?> settings, string subscriptionId)
    {
        Cluster = cluster;
        Storage = storage;
        SubscriptionId = subscriptionId;
        Settings = settings;
        var connection = new StorageConnection(storage);
        Store = new SubscriptionStore(connection, Microsoft.Extensions.Options.Options.Create(new SubscriptionOptions { Container = settings["Subscriptions:Container"]! }));
        Queue = QueueReader.Client(storage, settings["Subscriptions:QueuePrefix"] + "-" + subscriptionId);
        Repos = new BackfillRepoTable(connection, Microsoft.Extensions.Options.Options.Create(new BackfillOptions { RepoTable = settings["Backfill:RepoTable"]! }));
    }

    public InProcessTestCluster Cluster { get; }

    public string Storage { get; }

    public string SubscriptionId { get; }

    public IReadOnlyDictionary<string, string?> Settings { get; }

    public SubscriptionStore Store { get; }

    public Azure.Storage.Queues.QueueClient Queue { get; }

    public BackfillRepoTable Repos { get; }

    public IBackfillJobGrain Job => Cluster.Client.GetGrain<IBackfillJobGrain>(SubscriptionId);

    public static async Task<BackfillScenario> StartAsync(IRepositorySource? network, string[] wantedCollections, short silos = 1, Action<Dictionary<string, string?>>? tweak = null)
    {
        var storage = await SharedAzurite.GetConnectionStringAsync();
        var name = TestNames.Queue("bf");
        // Nothing listens there: the subscriptions' live side is not what these tests look at.
        var settings = ProcessorTestCluster.Settings(new Uri("ws://127.0.0.1:9/subscribe"), name);
        settings["Subscriptions:QueuePrefix"] = "bf" + Guid.NewGuid().ToString("N")[..10];
        settings["Backfill:RepoTable"] = TestNames.Table("bfrepos");
        settings["Backfill:DeliveredContainer"] = TestNames.Queue("bfdelivered");
        settings["Backfill:DeliveredTable"] = TestNames.Table("bfdelivered");
        settings["Backfill:HeldTable"] = TestNames.Table("bfheld");
        // The hand-overs' set rows are kept this long (10 minutes in production): the tests wait for the table to empty.
        settings["Backfill:HandedOverKeepSeconds"] = "1";
        settings["Backfill:MaxConcurrentRepos"] = "4";
        settings["Backfill:MaxConcurrentPerHost"] = "2";
        settings["Backfill:MaxAttempts"] = "3";
        settings["Backfill:InitialRetryDelayMs"] = "100";
        settings["Backfill:MaxRetryDelayMs"] = "400";
        tweak?.Invoke(settings);
        var cluster = await ProcessorTestCluster.StartAsync(storage, settings, silos, silo =>
        {
            if (network is not null)
            {
                silo.Services.AddSingleton<IRepositorySource>(network);
            }

            silo.Configure<ClusterMembershipOptions>(o =>
            {
                o.ProbeTimeout = TimeSpan.FromSeconds(1);
                o.NumMissedProbesLimit = 2;
                o.NumVotesForDeathDeclaration = 1;
            });
        });
        var scenario = new BackfillScenario(cluster, storage, settings, "bf-" + Guid.NewGuid().ToString("N")[..8]);
        Assert.True(await scenario.Store.TryCreateAsync(new SubscriptionDocument
        {
            Id = scenario.SubscriptionId,
            WantedCollections = wantedCollections,
            CreatedAt = DateTimeOffset.UtcNow,
            Webhook = new WebhookDocument { Url = "http://127.0.0.1:9/hook" },
        }));
        return scenario;
    }

    public async Task<BackfillStatus> WaitForEndAsync(TimeSpan timeout)
    {
        BackfillStatus? status = null;
        await Eventually.HoldsAsync(async () => (status = await Job.GetStatus()) is { State: not BackfillState.Running }, timeout,
            "the backfill to end");
        return status!;
    }

    /// <summary>Every event queued so far (waits until <paramref name="expected"/> distinct ones), as parsed JSON.</summary>
    public async Task<List<(QueuedEvent Queued, JsonElement Event)>> DrainAsync(int expected, TimeSpan? timeout = null)
    {
        var events = await QueueReader.DrainAsync(Queue, expected, timeout ?? TimeSpan.FromSeconds(20));
        return events.Select(e => (e, JsonDocument.Parse(e.EventJson).RootElement.Clone())).ToList();
    }

    public async ValueTask DisposeAsync()
    {
        await Cluster.DisposeAsync();
        await Queue.DeleteIfExistsAsync();
    }
}
