using System.Diagnostics;
using System.Net.Http.Json;
using System.Text.Json;
using Azure.Data.Tables;
using Jetstream.Atproto.Car;
using Jetstream.Atproto.Repo;
using Jetstream.Atproto.Sync;
using Jetstream.Emulator;
using Jetstream.Grains.Backfill;
using Jetstream.Grains.Interfaces.Backfill;
using Jetstream.Storage;
using Jetstream.Storage.Subscriptions;
using Jetstream.TestSupport;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Orleans.Configuration;
using Xunit.Abstractions;

namespace Jetstream.Grains.Tests.Backfill;

/// <summary>
/// A backfill over two real Silo processes (Azure Table clustering on Azurite), reading the AT Protocol emulator run
/// as its own process (PLC, relay and a PDS host serving signed repositories); the silo hosting the job is killed with
/// SIGKILL once some repositories are done. The job goes on on the survivor, finishes, fetches no finished repository
/// again (the emulator's getRepo count per DID, read over HTTP), and every record the emulator holds is in the queue.
/// </summary>
public sealed class BackfillSiloCrashTests(ITestOutputHelper output)
{
    private const string Collection = "app.crash.item";
    private const int Accounts = 300;
    private const int Matching = 3;

    [Fact]
    public async Task A_silo_process_killed_mid_backfill_leaves_the_job_to_the_other_which_completes_it_losing_nothing_and_fetching_no_finished_repository_again()
    {
        var clock = Stopwatch.StartNew();
        var storage = await SharedAzurite.GetConnectionStringAsync();
        await using var jetstream = await JetstreamEmulator.StartAsync();
        var (atprotoPort, pdsPort) = (FreePort.Next(), FreePort.Next());
        var cache = Directory.CreateTempSubdirectory("bf-crash-");
        await using var atproto = HostProcess.Start("Atproto.Emulator", new Dictionary<string, string>
        {
            ["AtprotoEmulator__Port"] = atprotoPort.ToString(),
            ["AtprotoEmulator__PdsBasePort"] = pdsPort.ToString(),
            ["AtprotoEmulator__Accounts"] = Accounts.ToString(),
            ["AtprotoEmulator__MatchingRecords"] = Matching.ToString(),
            ["AtprotoEmulator__MatchingCollection"] = Collection,
            ["AtprotoEmulator__OtherRecords"] = "2",
            ["AtprotoEmulator__Seed"] = Random.Shared.Next(1, 1_000_000).ToString(),
            ["AtprotoEmulator__CacheDirectory"] = cache.FullName,
            ["Logging__LogLevel__Default"] = "Warning",
        });
        var main = new Uri($"http://127.0.0.1:{atprotoPort}/");
        using var http = new HttpClient { BaseAddress = main };

        var tag = Guid.NewGuid().ToString("N")[..6];
        var name = TestNames.Queue("bfcrash");
        var cluster = "bc" + tag;
        var settings = SharedSettings(storage, jetstream.SubscribeUri, main, name, cluster);
        await using var first = HostProcess.Start("Silo", WithPorts(settings));
        await using var second = HostProcess.Start("Silo", WithPorts(settings));
        await Eventually.HoldsAsync(() => FreePort.IsListeningAsync(atprotoPort), TimeSpan.FromSeconds(60), "the AT Protocol emulator to listen");

        // What the emulator holds, read while the silos start; its counters are reset after, so they count the backfill's fetches only.
        var expected = await RecordsAsync(http, new Uri($"http://127.0.0.1:{pdsPort}/"));
        await Eventually.HoldsAsync(() => Task.FromResult(first.Output.Concat(second.Output).Count(l => l.Contains("Activated", StringComparison.Ordinal)) == 2), TimeSpan.FromSeconds(180), "both silos started");
        await http.PostAsync("/control/stats/reset", null);
        output.WriteLine($"silos and emulator up, {expected.Values.Sum(v => v.Count)} records read from the emulator at {clock.Elapsed.TotalSeconds:F1} s");
        var id = "crash-" + tag;
        var store = new SubscriptionStore(new StorageConnection(storage), Microsoft.Extensions.Options.Options.Create(new SubscriptionOptions { Container = settings["Subscriptions__Container"] }));
        Assert.True(await store.TryCreateAsync(new SubscriptionDocument
        {
            Id = id,
            WantedCollections = [Collection],
            Webhook = new WebhookDocument { Url = "http://127.0.0.1:9/hook" },
            CreatedAt = DateTimeOffset.UtcNow,
        }));
        using var client = await ClientAsync(storage, cluster);
        var job = client.Services.GetRequiredService<IClusterClient>().GetGrain<IBackfillJobGrain>(id);
        Assert.NotNull((await job.Start(null)).Status);
        output.WriteLine($"started at {clock.Elapsed.TotalSeconds:F1} s");

        await Eventually.HoldsAsync(async () => (await job.GetStatus())!.Repos.Done >= 30, TimeSpan.FromSeconds(180), "30 repositories done");
        var repos = new BackfillRepoTable(new StorageConnection(storage), Microsoft.Extensions.Options.Options.Create(new BackfillOptions { RepoTable = settings["Backfill__RepoTable"] }));
        var doneBefore = (await repos.LoadAsync(id, 1, CancellationToken.None)).Where(r => r.State == BackfillRepoRow.Done).Select(r => r.Did).ToList();
        var fetchesBefore = await GetRepoCountsAsync(http);
        var victim = first.Output.Any(l => l.Contains($"Backfill {id}: run 1 started", StringComparison.Ordinal)) ? first : second;
        victim.Kill();
        output.WriteLine($"killed the job's silo at {clock.Elapsed.TotalSeconds:F1} s with {doneBefore.Count} repositories done");

        var status = await WaitForEndAsync(job, TimeSpan.FromSeconds(240), () => output.WriteLine($"the job answers again at {clock.Elapsed.TotalSeconds:F1} s"));
        output.WriteLine($"completed on the survivor at {clock.Elapsed.TotalSeconds:F1} s: {status.Repos}");
        var fetchesAfter = await GetRepoCountsAsync(http);
        var queued = await QueueReader.DrainAsync(QueueReader.Client(storage, $"{settings["Subscriptions__QueuePrefix"]}-{id}"), Accounts * Matching, TimeSpan.FromSeconds(120));
        output.WriteLine($"{expected.Values.Sum(v => v.Count)} records at the emulator, {queued.Count} queued ({queued.Select(q => q.EventId).Distinct().Count()} ids) at {clock.Elapsed.TotalSeconds:F1} s");

        var missing = expected.Values.SelectMany(v => v).Except(queued.Select(q => VersionOf(q.EventJson.Span))).ToList();
        if (missing.Count > 0)
        {
            await ExplainAsync(storage, settings, id, missing, doneBefore, fetchesBefore, fetchesAfter, [first, second], victim);
        }

        Assert.Equal(BackfillState.Completed, status.State);
        Assert.Equal(new BackfillRepoCounts(Accounts, 0, Accounts, 0, 0), status.Repos);
        Assert.InRange(doneBefore.Count, 1, Accounts - 1);
        Assert.All(doneBefore, did => Assert.True(fetchesBefore.GetValueOrDefault(did) >= 1 && fetchesAfter[did] == fetchesBefore[did],
            $"{did}, done before the kill, fetched {fetchesBefore.GetValueOrDefault(did)} times then, {fetchesAfter.GetValueOrDefault(did)} at the end"));
        Assert.All(expected.Keys, did => Assert.True(fetchesAfter.GetValueOrDefault(did) >= 1, $"{did} never fetched"));
        var versions = queued.Select(q => (q.EventId, Version: VersionOf(q.EventJson.Span))).Distinct().ToList();
        // Each record version under one id, each id one version: a retry's copy carries the same id.
        Assert.Equal(versions.Count, versions.Select(v => v.EventId).Distinct().Count());
        Assert.Equal(versions.Count, versions.Select(v => v.Version).Distinct().Count());
        Assert.Equal(expected.Values.SelectMany(v => v).Order(StringComparer.Ordinal), versions.Select(v => v.Version).Order(StringComparer.Ordinal));
    }

    /// <summary>What the tables, the counters and the silos' logs say of the repositories whose records are missing.</summary>
    private async Task ExplainAsync(string storage, Dictionary<string, string> settings, string id, List<string> missing, List<string> doneBefore,
        Dictionary<string, long> fetchesBefore, Dictionary<string, long> fetchesAfter, HostProcess[] silos, HostProcess victim)
    {
        var connection = new StorageConnection(storage);
        var queue = QueueReader.Client(storage, $"{settings["Subscriptions__QueuePrefix"]}-{id}");
        output.WriteLine($"{missing.Count} records missing; the queue holds about {(await queue.GetPropertiesAsync()).Value.ApproximateMessagesCount} messages (invisible ones included)");
        var rows = (await new BackfillRepoTable(connection, Microsoft.Extensions.Options.Options.Create(new BackfillOptions { RepoTable = settings["Backfill__RepoTable"] }))
            .LoadAsync(id, 1, CancellationToken.None)).ToDictionary(r => r.Did, StringComparer.Ordinal);
        var delivered = connection.Table(settings["Backfill__DeliveredTable"]);
        foreach (var did in missing.Select(m => m[..m.IndexOf('|', StringComparison.Ordinal)]).Distinct().Take(10))
        {
            var indexed = await delivered.QueryAsync<TableEntity>(TableClient.CreateQueryFilter($"PartitionKey ge {id} and PartitionKey lt {id + "\u007f"} and RowKey eq {did}"), select: ["RowKey"]).CountAsync();
            var row = rows.GetValueOrDefault(did);
            output.WriteLine($"{did}: {missing.Count(m => m.StartsWith(did, StringComparison.Ordinal))} missing; row {row}; indexed {indexed}; done before the kill {doneBefore.Contains(did)}; fetched {fetchesBefore.GetValueOrDefault(did)} then {fetchesAfter.GetValueOrDefault(did)}");
            foreach (var silo in silos)
            {
                foreach (var line in silo.Output.Where(l => l.Contains(did, StringComparison.Ordinal)))
                {
                    output.WriteLine($"  {(silo == victim ? "killed" : "survivor")}: {line}");
                }
            }
        }
    }

    private static string VersionOf(ReadOnlySpan<byte> json)
    {
        using var document = JsonDocument.Parse(json.ToArray());
        var e = document.RootElement;
        var commit = e.GetProperty("commit");
        Assert.False(e.GetProperty("live").GetBoolean());
        Assert.Equal("create", commit.GetProperty("operation").GetString());
        return $"{e.GetProperty("did").GetString()}|{commit.GetProperty("collection").GetString()}/{commit.GetProperty("rkey").GetString()}|{commit.GetProperty("cid").GetString()}";
    }

    private static async Task<BackfillStatus> WaitForEndAsync(IBackfillJobGrain job, TimeSpan timeout, Action answered)
    {
        BackfillStatus? status = null;
        await Eventually.HoldsAsync(async () =>
        {
            try
            {
                status = await job.GetStatus().WaitAsync(TimeSpan.FromSeconds(5));
            }
            catch (Exception ex) when (ex is TimeoutException or OrleansException or SiloUnavailableException)
            {
                // The directory still names the killed silo until membership declares it dead.
                return false;
            }

            if (status is not null)
            {
                answered();
                answered = () => { };
            }

            return status is { State: not BackfillState.Running };
        }, timeout, "the job to end on the survivor");
        return status!;
    }

    private static async Task<Dictionary<string, long>> GetRepoCountsAsync(HttpClient http)
    {
        var stats = await http.GetFromJsonAsync<JsonElement>("/control/stats");
        return stats.GetProperty("dids").EnumerateArray().ToDictionary(d => d.GetProperty("did").GetString()!, d => d.GetProperty("getRepo").GetInt64(), StringComparer.Ordinal);
    }

    /// <summary>Every account's records of the collection, read from its repository as the emulator serves it now.</summary>
    private static async Task<Dictionary<string, List<string>>> RecordsAsync(HttpClient http, Uri pds)
    {
        var accounts = await http.GetFromJsonAsync<JsonElement>($"/control/accounts?limit={Accounts}");
        var dids = accounts.EnumerateArray().Select(a => a.GetProperty("did").GetString()!).ToList();
        var sync = new AtprotoSyncClient(http, TimeProvider.System);
        var records = new System.Collections.Concurrent.ConcurrentDictionary<string, List<string>>(StringComparer.Ordinal);
        await Parallel.ForEachAsync(dids, new ParallelOptions { MaxDegreeOfParallelism = 8 }, async (did, cancellationToken) =>
        {
            await using var car = await sync.GetRepoAsync(pds, did, cancellationToken);
            using var repo = await RepoSnapshot.ReadAsync(car, new CarReadOptions(), cancellationToken);
            var list = new List<string>();
            await foreach (var record in repo.ReadRecordsAsync(CollectionFilter.Parse([Collection]), cancellationToken))
            {
                list.Add($"{did}|{record.Collection}/{record.RecordKey}|{record.Cid}");
            }

            Assert.Equal(Matching, list.Count);
            records[did] = list;
        });
        return new Dictionary<string, List<string>>(records, StringComparer.Ordinal);
    }

    internal static async Task<IHost> ClientAsync(string storage, string cluster)
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.UseOrleansClient(client =>
        {
            client.UseAzureStorageClustering(options => options.TableServiceClient = new TableServiceClient(storage));
            client.Configure<ClusterOptions>(options =>
            {
                options.ClusterId = cluster;
                options.ServiceId = "s" + cluster;
            });
        });
        var host = builder.Build();
        await host.StartAsync();
        return host;
    }

    /// <summary>What both silos share: the cluster, the storage names, the networks.</summary>
    internal static Dictionary<string, string> SharedSettings(string storage, Uri jetstream, Uri atproto, string name, string cluster) => new()
    {
        ["ConnectionStrings__AzureStorage"] = storage,
        ["Orleans__Clustering"] = "AzureStorage",
        ["Orleans__AdvertisedIPAddress"] = "127.0.0.1",
        ["Orleans__ClusterId"] = cluster,
        ["Orleans__ServiceId"] = "s" + cluster,
        ["Jetstream__Endpoints__0"] = jetstream.ToString(),
        ["Jetstream__WantedCollections__0"] = "app.crash.default",
        ["Jetstream__ActivationSweepSeconds"] = "5",
        ["Queue__Name"] = name,
        ["Queue__LargeEventContainer"] = name + "-large",
        ["Subscriptions__Container"] = name + "-subs",
        ["Subscriptions__QueuePrefix"] = "bc" + cluster[2..],
        ["Backfill__RepoTable"] = TestNames.Table("bcrepos"),
        ["Backfill__DeliveredTable"] = TestNames.Table("bcdelivered"),
        ["Backfill__HeldTable"] = TestNames.Table("bcheld"),
        ["Backfill__MaxConcurrentRepos"] = "8",
        ["Backfill__MaxConcurrentPerHost"] = "8",
        ["Atproto__RelayUrl"] = atproto.ToString(),
        ["Atproto__PlcUrl"] = atproto.ToString(),
        ["Atproto__AllowPrivateNetworks"] = "true",
    };

    internal static Dictionary<string, string> WithPorts(Dictionary<string, string> shared) => new(shared)
    {
        ["Orleans__SiloPort"] = FreePort.Next().ToString(),
        ["Orleans__GatewayPort"] = FreePort.Next().ToString(),
        ["ASPNETCORE_URLS"] = $"http://127.0.0.1:{FreePort.Next()}",
    };
}
