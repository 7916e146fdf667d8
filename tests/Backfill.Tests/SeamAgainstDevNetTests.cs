using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Nodes;
using Jetstream.Storage;
using Jetstream.Grains.Interfaces;
using Jetstream.Grains.Interfaces.Backfill;
using Jetstream.TestSupport;
using Jetstream.TestSupport.Backfill;

namespace Jetstream.Backfill.Tests;

/// <summary>
/// The hand-over from backfill to live against the reference PDS and PLC and the devnet's Jetstream feed (the PDS's
/// own <c>subscribeRepos</c>): a subscription started with a backfill (the grain calls the Api's
/// <c>POST /subscriptions</c> with <c>"backfill": true</c> makes) while records keep being created, updated and deleted.
/// </summary>
[Collection(DevNetCollection.Name)]
public sealed class SeamAgainstDevNetTests(DevNetFixture fixture)
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(60);

    private readonly AtprotoDevNet _devNet = fixture.DevNet;

    [Fact]
    public async Task The_copy_made_of_every_delivery_in_queue_order_equals_listRecords_with_no_record_twice_and_revs_in_order_per_repository()
    {
        var wanted = TestNames.Collection("seam");
        var accounts = new List<DevNetAccount>();
        var rkeys = new Dictionary<string, List<string>>(StringComparer.Ordinal);
        for (var i = 0; i < 3; i++)
        {
            var account = await _devNet.CreateAccountAsync();
            var written = await _devNet.WriteAsync(account.Did, [.. Enumerable.Range(0, 20).Select(n => DevNetWrite.Create(wanted, Record(wanted, $"first {n}")))]);
            rkeys[account.Did] = [.. written.Results.Select(r => r.Rkey!)];
            accounts.Add(account);
        }

        await using var scenario = await BackfillScenario.StartAsync(null, [wanted], tweak: settings =>
        {
            settings["Atproto:RelayUrl"] = _devNet.RelayUrl.ToString();
            settings["Atproto:PlcUrl"] = _devNet.PlcUrl.ToString();
            settings["Atproto:AllowPrivateNetworks"] = "true";
            settings["Jetstream:Endpoints:0"] = _devNet.JetstreamUrl.ToString();
            settings["Backfill:MaxConcurrentRepos"] = "1";
            settings["Backfill:MaxConcurrentPerHost"] = "1";
        });
        using var writing = new CancellationTokenSource();
        var writer = KeepWritingAsync(wanted, accounts, rkeys, writing.Token);

        // What the Api does for "backfill": true: the subscription exists (its processor reads from its creation), then the job starts.
        await scenario.Cluster.Client.GetGrain<IJetstreamProcessorGrain>(scenario.SubscriptionId).EnsureRunning();
        Assert.NotNull((await scenario.Job.Start(null)).Status);
        var status = await scenario.WaitForEndAsync(Timeout);
        await Task.Delay(TimeSpan.FromSeconds(1));
        await writing.CancelAsync();
        var writes = await writer;

        var delivered = new List<QueuedEvent>();
        Dictionary<string, Dictionary<string, (string Cid, JsonNode? Value)>> copy = [];
        var expected = new Dictionary<string, Dictionary<string, (string Cid, JsonNode? Value)>>(StringComparer.Ordinal);
        foreach (var account in accounts)
        {
            expected[account.Did] = (await ListRecordsAsync(account.Did, wanted)).ToDictionary(r => r.Rkey, r => (r.Cid, r.Value));
        }

        try
        {
            await Eventually.HoldsAsync(async () =>
        {
            delivered.AddRange(await QueueReader.DrainAsync(scenario.Queue, int.MaxValue, TimeSpan.FromSeconds(2)));
            copy = Apply(delivered);
            return accounts.All(a => copy.TryGetValue(a.Did, out var records) && Same(expected[a.Did], records));
        }, Timeout, "the receiver's copy to equal listRecords");
        }
        catch (TimeoutException)
        {
            Assert.Fail(Diff(expected, copy, delivered));
        }

        Assert.Equal(BackfillState.Completed, status.State);
        Assert.Equal(new BackfillRepoCounts(3, 0, 3, 0, 0), status.Repos);
        Assert.True(writes > 10, $"only {writes} writes while the backfill ran");
        var distinct = delivered.DistinctBy(e => e.EventId).OrderBy(e => e.QueuedAt).Select(e => (e.Did, Json: JsonNode.Parse(Json(e))!)).ToList();
        foreach (var group in distinct.GroupBy(e => e.Did))
        {
            var revs = group.Select(e => e.Json["commit"]!["rev"]!.GetValue<string>()).ToList();
            Assert.True(revs.SequenceEqual(revs.Order(StringComparer.Ordinal)), $"{group.Key}: revs out of order: {string.Join(", ", revs)}");
            var versions = group.Where(e => e.Json["commit"]!["cid"] is not null).Select(e => (string)e.Json["commit"]!["rkey"]! + "@" + (string)e.Json["commit"]!["cid"]!).ToList();
            Assert.True(versions.Count == versions.Distinct().Count(), $"{group.Key}: a record version delivered twice under different ids");
        }

        Assert.Contains(distinct, e => e.Json["live"] is null);
        Assert.Contains(distinct, e => e.Json["live"] is not null);
    }

    /// <summary>The receiver: every delivery applied in the order the consumer takes a DID's events (queue order, then <c>queuedAt</c>).</summary>
    private static Dictionary<string, Dictionary<string, (string Cid, JsonNode? Value)>> Apply(List<QueuedEvent> delivered)
    {
        var copy = new Dictionary<string, Dictionary<string, (string Cid, JsonNode? Value)>>(StringComparer.Ordinal);
        foreach (var e in delivered.DistinctBy(e => e.EventId).GroupBy(e => e.Did).SelectMany(g => g.OrderBy(e => e.QueuedAt)))
        {
            var json = JsonNode.Parse(Json(e))!;
            var commit = json["commit"]!;
            if (!copy.TryGetValue(e.Did, out var records))
            {
                copy[e.Did] = records = new(StringComparer.Ordinal);
            }

            var rkey = commit["rkey"]!.GetValue<string>();
            if (commit["operation"]!.GetValue<string>() == "delete")
            {
                records.Remove(rkey);
            }
            else
            {
                records[rkey] = (commit["cid"]!.GetValue<string>(), commit["record"]?.DeepClone());
            }
        }

        return copy;
    }

    private static string Diff(Dictionary<string, Dictionary<string, (string Cid, JsonNode? Value)>> expected, Dictionary<string, Dictionary<string, (string Cid, JsonNode? Value)>> copy, List<QueuedEvent> delivered)
    {
        var lines = new List<string> { $"{delivered.Count} delivered, {delivered.Count(e => !Json(e).Contains("\"live\":false", StringComparison.Ordinal))} live" };
        foreach (var (did, records) in expected)
        {
            var actual = copy.GetValueOrDefault(did) ?? [];
            lines.Add($"{did}: expected {records.Count}, copy {actual.Count}; missing [{string.Join(", ", records.Keys.Except(actual.Keys))}], extra [{string.Join(", ", actual.Keys.Except(records.Keys))}], differ [{string.Join(", ", records.Where(r => actual.TryGetValue(r.Key, out var a) && a.Cid != r.Value.Cid).Select(r => r.Key))}]");
        }

        return string.Join("\n", lines);
    }

    private static string Json(QueuedEvent e) => System.Text.Encoding.UTF8.GetString(e.EventJson.Span);

    private static bool Same(Dictionary<string, (string Cid, JsonNode? Value)> expected, Dictionary<string, (string Cid, JsonNode? Value)> actual) =>
        expected.Count == actual.Count && expected.All(p => actual.TryGetValue(p.Key, out var a) && a.Cid == p.Value.Cid && JsonNode.DeepEquals(a.Value, p.Value.Value));

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
