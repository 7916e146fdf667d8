using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text.Json;
using System.Text.Json.Nodes;
using Jetstream.TestSupport;
using Jetstream.WebhookConsumer;
using Jetstream.WebhookReceiver;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Jetstream.Backfill.Tests;

/// <summary>
/// Issue 18's Done-when test as a user meets it: the reference PDS and PLC, the silo reading the devnet's Jetstream
/// feed (the PDS's own <c>subscribeRepos</c>), the real Api (<c>POST /subscriptions</c> with <c>"backfill": true</c>,
/// admin token), the WebhookConsumer delivering over HTTP to a receiver that verifies every signature, while a writer
/// keeps creating, updating and deleting records. All hosts in this process, each on its own TCP ports.
/// </summary>
[Collection(DevNetCollection.Name)]
public sealed class SubscriptionWithBackfillAgainstDevNetTests(DevNetFixture fixture)
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(60);

    private readonly AtprotoDevNet _devNet = fixture.DevNet;

    [Fact]
    public async Task A_subscription_created_with_backfill_ends_with_the_receivers_copy_equal_to_listRecords_each_version_under_one_id_revs_in_order_and_bad_repositories_reported()
    {
        var wanted = TestNames.Collection("e2e");
        var accounts = new List<DevNetAccount>();
        var rkeys = new Dictionary<string, List<string>>(StringComparer.Ordinal);
        for (var i = 0; i < 3; i++)
        {
            var account = await _devNet.CreateAccountAsync();
            var written = await _devNet.WriteAsync(account.Did, [.. Enumerable.Range(0, 20).Select(n => DevNetWrite.Create(wanted, Record(wanted, $"first {n}")))]);
            rkeys[account.Did] = [.. written.Results.Select(r => r.Rkey!)];
            accounts.Add(account);
        }

        var takendown = await AccountHoldingAsync(wanted);
        await _devNet.TakedownAsync(takendown.Did);
        var deactivated = await AccountHoldingAsync(wanted);
        await _devNet.DeactivateAsync(deactivated.Did);
        var tampered = await AccountHoldingAsync(wanted);
        var spoiled = await _devNet.TamperAsync(tampered.Did, wanted);

        var storage = await SharedAzurite.GetConnectionStringAsync();
        var name = TestNames.Queue("e2e");
        var tag = Guid.NewGuid().ToString("N")[..10];
        var (clusterId, serviceId, gatewayPort) = ("e2e-" + tag, "e2e-svc-" + tag, FreePort.Next());
        // What the silo, the Api and the consumer must agree on: the storage, the subscription documents, the key
        // ring that protects webhook secrets, the queues' names, the cluster.
        var shared = new Dictionary<string, string?>
        {
            ["ConnectionStrings:AzureStorage"] = storage,
            ["Queue:Name"] = name,
            ["Queue:LargeEventContainer"] = name + "-large",
            ["Subscriptions:Container"] = name + "-subs",
            ["Subscriptions:KeyContainer"] = name + "-keys",
            ["Subscriptions:CircuitTable"] = TestNames.Table("e2ecircuits"),
            ["Subscriptions:QueuePrefix"] = "e2e" + tag,
            ["Subscriptions:RefreshSeconds"] = "1",
            ["Webhook:AllowPrivateNetworks"] = "true",
            ["Logging:LogLevel:Default"] = "Warning",
        };
        // The Api and the consumer are clients of the silo; the silo itself must not see these (Orleans reads its own
        // Orleans:Clustering section as a provider name).
        var clients = new Dictionary<string, string?>(shared)
        {
            ["Orleans:Clustering"] = "Localhost",
            ["Orleans:GatewayPort"] = gatewayPort.ToString(CultureInfo.InvariantCulture),
            ["Orleans:ClusterId"] = clusterId,
            ["Orleans:ServiceId"] = serviceId,
        };
        var siloSettings = new Dictionary<string, string?>(ProcessorTestCluster.Settings(_devNet.JetstreamUrl, name, wanted));
        foreach (var (key, value) in shared)
        {
            siloSettings[key] = value;
        }

        siloSettings["Atproto:RelayUrl"] = _devNet.RelayUrl.ToString();
        siloSettings["Atproto:PlcUrl"] = _devNet.PlcUrl.ToString();
        siloSettings["Backfill:RepoTable"] = TestNames.Table("e2erepos");
        siloSettings["Backfill:DeliveredContainer"] = TestNames.Queue("e2edelivered");
        siloSettings["Backfill:DeliveredTable"] = TestNames.Table("e2edelivered");
        siloSettings["Backfill:HeldTable"] = TestNames.Table("e2eheld");
        // One repository at a time: the backfill lasts long enough for live writes to land before, during and after each snapshot.
        siloSettings["Backfill:MaxConcurrentRepos"] = "1";
        siloSettings["Backfill:MaxConcurrentPerHost"] = "1";

        var secret = "whsec_" + Convert.ToBase64String(RandomNumberGenerator.GetBytes(24));
        await using var receiver = await WebhookReceiverHost.StartAsync(new ReceiverOptions { Secret = secret });
        await using var silo = await TcpSilo.StartAsync(storage, siloSettings, clusterId, serviceId, azureClustering: false, gatewayPort);
        using var consumer = StartConsumer(clients);
        await consumer.StartAsync();
        await using var api = new ApiHost(clients);
        using var http = api.CreateAdminClient();

        using var writing = new CancellationTokenSource();
        var writer = KeepWritingAsync(wanted, accounts, rkeys, writing.Token);
        var id = "e2e-" + tag;
        using (var created = await http.PostAsJsonAsync("/subscriptions", new JsonObject
        {
            ["id"] = id,
            ["wantedCollections"] = new JsonArray(wanted),
            ["backfill"] = true,
            ["webhook"] = new JsonObject { ["url"] = new Uri(receiver.Url, "hook").ToString(), ["secrets"] = new JsonArray(secret), ["batchMaxEvents"] = 1 },
        }))
        {
            Assert.True(created.StatusCode == HttpStatusCode.Created, $"{(int)created.StatusCode}: {await created.Content.ReadAsStringAsync()}");
        }

        JsonElement status = default;
        await Eventually.HoldsAsync(async () => (status = await http.GetFromJsonAsync<JsonElement>($"/subscriptions/{id}/backfill")).GetProperty("state").GetString() != "running",
            Timeout, "the backfill to end");
        await Task.Delay(TimeSpan.FromSeconds(1));
        await writing.CancelAsync();
        var writes = await writer;

        var expected = new Dictionary<string, Dictionary<string, (string Cid, JsonNode? Value)>>(StringComparer.Ordinal);
        foreach (var account in accounts)
        {
            expected[account.Did] = (await ListRecordsAsync(account.Did, wanted)).ToDictionary(r => r.Rkey, r => (r.Cid, r.Value));
        }

        var copy = new ReceiverCopy();
        try
        {
            await Eventually.HoldsAsync(() =>
            {
                copy = ReceiverCopy.Of(receiver.Deliveries);
                return Task.FromResult(accounts.All(a => Same(expected[a.Did], copy.Of(a.Did))));
            }, Timeout, "the receiver's copy to equal listRecords");
        }
        catch (TimeoutException)
        {
            Assert.Fail(Diff(expected, copy, receiver));
        }

        Assert.Equal("completed", status.GetProperty("state").GetString());
        Assert.Equal("""{"total":6,"pending":0,"done":3,"skipped":2,"failed":1}""", JsonNode.Parse(status.GetProperty("repos").GetRawText())!.ToJsonString());
        var problems = status.GetProperty("problems").EnumerateArray().ToDictionary(p => p.GetProperty("did").GetString()!, p => (State: p.GetProperty("state").GetString(), Reason: p.GetProperty("reason").GetString()!));
        Assert.Equal(("skipped", true), (problems[takendown.Did].State, problems[takendown.Did].Reason.Contains("RepoTakendown", StringComparison.Ordinal)));
        Assert.Equal(("skipped", true), (problems[deactivated.Did].State, problems[deactivated.Did].Reason.Contains("RepoDeactivated", StringComparison.Ordinal)));
        Assert.Equal(("failed", true), (problems[tampered.Did].State, problems[tampered.Did].Reason.Contains(spoiled.GetProperty("cid").GetString()!, StringComparison.Ordinal)));

        var stats = receiver.Stats;
        Assert.Equal(0, stats.Rejected);
        Assert.All(receiver.Deliveries, d => Assert.True(d.SignatureValid));
        Assert.True(writes > 10, $"only {writes} writes while the backfill ran");
        Assert.DoesNotContain(copy.Applied, e => (string)e.Event["did"]! is var did && (did == tampered.Did || did == takendown.Did || did == deactivated.Did));
        foreach (var group in copy.Applied.GroupBy(e => (string)e.Event["did"]!))
        {
            var revs = group.Select(e => (string)e.Event["commit"]!["rev"]!).ToList();
            if (!revs.SequenceEqual(revs.Order(StringComparer.Ordinal)))
            {
                Assert.Fail($"{group.Key}: revs out of order: {string.Join(", ", revs)}\n{OutOfOrder(group.ToList(), receiver)}");
            }

            var versions = group.Where(e => e.Event["commit"]!["cid"] is not null).GroupBy(e => (string)e.Event["commit"]!["rkey"]! + "@" + (string)e.Event["commit"]!["cid"]!);
            Assert.All(versions, v => Assert.True(v.Count() == 1, $"{group.Key}: {v.Key} delivered under {v.Count()} webhook-ids"));
        }

        Assert.Contains(copy.Applied, e => e.Event["live"] is not null);
        Assert.Contains(copy.Applied, e => e.Event["live"] is null);
        using var deleted = await http.DeleteAsync($"/subscriptions/{id}?discard=true");
        Assert.Equal(HttpStatusCode.OK, deleted.StatusCode);
        await consumer.StopAsync();
    }

    /// <summary>The WebhookConsumer as its Program builds it, a client of the silo (so the processor's writes wake it).</summary>
    private static IHost StartConsumer(Dictionary<string, string?> settings)
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Configuration.AddInMemoryCollection(settings);
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        builder.Services.Configure<HostOptions>(o => o.ShutdownTimeout = TimeSpan.FromSeconds(5));
        builder.AddWebhookConsumer();
        return builder.Build();
    }

    private static string Diff(Dictionary<string, Dictionary<string, (string Cid, JsonNode? Value)>> expected, ReceiverCopy copy, WebhookReceiverHost receiver)
    {
        var lines = new List<string> { $"receiver: {receiver.Stats}; {copy.Applied.Count} applied, {copy.Applied.Count(e => e.Event["live"] is null)} live" };
        foreach (var (did, records) in expected)
        {
            var actual = copy.Of(did);
            lines.Add($"{did}: expected {records.Count}, copy {actual.Count}; missing [{string.Join(", ", records.Keys.Except(actual.Keys))}], extra [{string.Join(", ", actual.Keys.Except(records.Keys))}], differ [{string.Join(", ", records.Where(r => actual.TryGetValue(r.Key, out var a) && a.Cid != r.Value.Cid).Select(r => r.Key))}]");
            var wrong = records.Keys.Except(actual.Keys).Concat(actual.Keys.Except(records.Keys)).Concat(records.Where(r => actual.TryGetValue(r.Key, out var a) && a.Cid != r.Value.Cid).Select(r => r.Key)).ToHashSet();
            lines.AddRange(copy.Applied
                .Where(e => (string)e.Event["did"]! == did && wrong.Contains((string)e.Event["commit"]!["rkey"]!))
                .Select(e => $"  {e.Event["commit"]!["rkey"]} {e.Event["commit"]!["operation"]} rev {e.Event["commit"]!["rev"]} live {e.Event["live"]?.ToJsonString() ?? "-"} time_us {e.Event["time_us"]}"));
        }

        return string.Join("\n", lines);
    }

    /// <summary>The deliveries around the first rev out of order, as the receiver got them (every attempt), to tell where they were swapped.</summary>
    private static string OutOfOrder(List<(string Id, JsonNode Event)> applied, WebhookReceiverHost receiver)
    {
        var first = Enumerable.Range(0, applied.Count - 1).First(i => string.CompareOrdinal((string)applied[i].Event["commit"]!["rev"]!, (string)applied[i + 1].Event["commit"]!["rev"]!) > 0);
        var ids = applied.Skip(Math.Max(0, first - 3)).Take(7).Select(a => a.Id).ToHashSet();
        return string.Join("\n", receiver.Deliveries.Select((d, n) => (d, n)).Where(x => ids.Contains(x.d.Id)).Select(x =>
        {
            var e = JsonNode.Parse(x.d.Body)!;
            return $"  #{x.n} {x.d.Id} rev {e["commit"]!["rev"]} {e["commit"]!["operation"]} {e["commit"]!["rkey"]} live {e["live"]?.ToJsonString() ?? "-"} time_us {e["time_us"]} at {x.d.ArrivedAt:HH:mm:ss.fff}";
        }));
    }

    private static bool Same(Dictionary<string, (string Cid, JsonNode? Value)> expected, IReadOnlyDictionary<string, (string Cid, JsonNode? Record)> actual) =>
        expected.Count == actual.Count && expected.All(p => actual.TryGetValue(p.Key, out var a) && a.Cid == p.Value.Cid && JsonNode.DeepEquals(a.Record, p.Value.Value));

    /// <summary>Creates, updates and deletes on every account in turn until cancelled; returns how many writes it made.</summary>
    private async Task<int> KeepWritingAsync(string collection, List<DevNetAccount> accounts, Dictionary<string, List<string>> rkeys, CancellationToken stop)
    {
        var writes = 0;
        while (!stop.IsCancellationRequested)
        {
            var account = accounts[writes % accounts.Count];
            var keys = rkeys[account.Did];
            switch (writes / accounts.Count % 3)
            {
                case 0:
                    var created = await _devNet.WriteAsync(account.Did, [DevNetWrite.Create(collection, Record(collection, $"new {writes}"))]);
                    keys.Add(created.Results[0].Rkey!);
                    break;
                case 1:
                    await _devNet.WriteAsync(account.Did, [DevNetWrite.Update(collection, keys[writes % keys.Count], Record(collection, $"changed {writes}"))]);
                    break;
                default:
                    var gone = keys[writes % keys.Count];
                    keys.Remove(gone);
                    await _devNet.WriteAsync(account.Did, [DevNetWrite.Delete(collection, gone)]);
                    break;
            }

            writes++;
            await Task.Delay(20, CancellationToken.None);
        }

        return writes;
    }

    private static JsonObject Record(string collection, string text) => new()
    {
        ["$type"] = collection,
        ["text"] = text,
        ["createdAt"] = "2026-12-06T00:00:00.000Z",
    };

    private async Task<DevNetAccount> AccountHoldingAsync(string collection)
    {
        var account = await _devNet.CreateAccountAsync();
        await _devNet.WriteAsync(account.Did, [.. Enumerable.Range(0, 3).Select(n => DevNetWrite.Create(collection, Record(collection, $"never delivered {n}")))]);
        return account;
    }

    private async Task<List<(string Rkey, string Cid, JsonNode? Value)>> ListRecordsAsync(string did, string collection)
    {
        using var pds = new HttpClient { BaseAddress = _devNet.PdsUrl };
        var records = new List<(string, string, JsonNode?)>();
        string? cursor = null;
        do
        {
            var page = await pds.GetFromJsonAsync<JsonElement>(
                $"/xrpc/com.atproto.repo.listRecords?repo={did}&collection={collection}&limit=100{(cursor is null ? "" : "&cursor=" + cursor)}");
            var items = page.GetProperty("records").EnumerateArray().ToList();
            records.AddRange(items.Select(r => (r.GetProperty("uri").GetString()!.Split('/')[^1], r.GetProperty("cid").GetString()!, JsonNode.Parse(r.GetProperty("value").GetRawText()))));
            cursor = items.Count > 0 && page.TryGetProperty("cursor", out var next) ? next.GetString() : null;
        }
        while (cursor is not null);

        return records;
    }
}
