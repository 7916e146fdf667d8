using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Nodes;
using Jetstream.Grains.Interfaces.Backfill;
using Jetstream.TestSupport;
using Jetstream.TestSupport.Backfill;

namespace Jetstream.Backfill.Tests;

/// <summary>
/// A backfill on a real silo cluster against the reference PDS and PLC: the relay's list, the PLC's DID documents
/// (legacy key form), the PDS's CARs verified, the records compared with what the PDS's own <c>listRecords</c> serves.
/// </summary>
[Collection(DevNetCollection.Name)]
public sealed class BackfillAgainstDevNetTests(DevNetFixture fixture)
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(90);

    private readonly AtprotoDevNet _devNet = fixture.DevNet;

    [Fact]
    public async Task Backfill_queues_every_record_listRecords_serves_once_skips_takendown_and_deactivated_fails_tampered_and_a_second_run_repairs_a_gap()
    {
        var wanted = TestNames.Collection("bfwant");
        var other = TestNames.Collection("bfother");
        var accounts = new List<DevNetAccount>();
        for (var i = 0; i < 3; i++)
        {
            var account = await _devNet.CreateAccountAsync();
            var blob = i == 0 ? await UploadBlobAsync(account) : null;
            await _devNet.WriteAsync(account.Did, [.. Enumerable.Range(0, 4 + i).Select(n => DevNetWrite.Create(wanted, Record(wanted, $"héllo wörld {n} — 日本語 🦋", blob)))]);
            await _devNet.WriteAsync(account.Did, [DevNetWrite.Create(other, Record(other, "not wanted ✗"))]);
            accounts.Add(account);
        }

        var takendown = await AccountHoldingAsync(wanted);
        await _devNet.TakedownAsync(takendown.Did);
        var deactivated = await AccountHoldingAsync(wanted);
        await _devNet.DeactivateAsync(deactivated.Did);
        // Served tampered by the PDS itself: one of its records' blocks no longer hashes to its CID.
        var tampered = await AccountHoldingAsync(wanted);
        await _devNet.WriteAsync(tampered.Did, [.. Enumerable.Range(0, 3).Select(n => DevNetWrite.Create(wanted, Record(wanted, $"tampered {n}")))]);
        var spoiled = await _devNet.TamperAsync(tampered.Did, wanted);
        await using var scenario = await BackfillScenario.StartAsync(null, [wanted], tweak: settings =>
        {
            settings["Atproto:RelayUrl"] = _devNet.RelayUrl.ToString();
            settings["Atproto:PlcUrl"] = _devNet.PlcUrl.ToString();
            settings["Atproto:AllowPrivateNetworks"] = "true";
        });

        Assert.NotNull((await scenario.Job.Start(null)).Status);
        var status = await scenario.WaitForEndAsync(Timeout);
        var expected = new List<ListedRecord>();
        foreach (var account in accounts)
        {
            expected.AddRange(await ListRecordsAsync(account.Did, wanted));
        }

        var events = await scenario.DrainAsync(expected.Count);

        Assert.Equal(BackfillState.Completed, status.State);
        Assert.Equal(new BackfillRepoCounts(6, 0, 3, 2, 1), status.Repos);
        Assert.Equal(expected.Count, status.Records);
        Assert.Contains(status.Problems, p => p.Did == takendown.Did && p.State == "skipped" && p.Reason.Contains("RepoTakendown", StringComparison.Ordinal));
        Assert.Contains(status.Problems, p => p.Did == deactivated.Did && p.State == "skipped" && p.Reason.Contains("RepoDeactivated", StringComparison.Ordinal));
        Assert.Contains(status.Problems, p => p.Did == tampered.Did && p.State == "failed" && p.Reason.Contains(spoiled.GetProperty("cid").GetString()!, StringComparison.Ordinal));
        Assert.DoesNotContain(events, e => e.Queued.Did == tampered.Did);
        Assert.Equal(expected.Count, events.Count);
        Assert.Equal(events.Count, events.Select(e => e.Queued.EventId).Distinct().Count());
        foreach (var account in accounts)
        {
            var rev = await LatestRevAsync(account.Did);
            var queued = events.Where(e => e.Queued.Did == account.Did).Select(e => e.Event).ToList();
            Assert.All(queued, e =>
            {
                Assert.False(e.GetProperty("live").GetBoolean());
                Assert.Equal("create", e.GetProperty("commit").GetProperty("operation").GetString());
                Assert.Equal(rev, e.GetProperty("commit").GetProperty("rev").GetString());
            });
            AssertSameRecords(expected.Where(r => r.Did == account.Did), queued);
        }

        // The gap: a create, an update and a delete the stream never delivered; one repair of that DID sends exactly them.
        var gapped = accounts[2];
        var before = await ListRecordsAsync(gapped.Did, wanted);
        var created = await _devNet.WriteAsync(gapped.Did, [DevNetWrite.Create(wanted, Record(wanted, "nouveau ✓"))]);
        await _devNet.WriteAsync(gapped.Did, [DevNetWrite.Update(wanted, before[0].Rkey, Record(wanted, "geändert ✎"))]);
        await _devNet.WriteAsync(gapped.Did, [DevNetWrite.Delete(wanted, before[1].Rkey)]);
        await _devNet.WriteAsync(gapped.Did, [DevNetWrite.Create(other, Record(other, "still not wanted"))]);
        var after = await ListRecordsAsync(gapped.Did, wanted);

        Assert.NotNull((await scenario.Job.Start([gapped.Did])).Status);
        var repair = await scenario.WaitForEndAsync(Timeout);
        var changes = await scenario.DrainAsync(4, TimeSpan.FromSeconds(10));

        Assert.Equal(new BackfillRepoCounts(1, 0, 1, 0, 0), repair.Repos);
        Assert.All(changes, e => Assert.False(e.Event.GetProperty("live").GetBoolean()));
        var rkeyOfCreate = created.Results[0].Uri!.Split('/')[^1];
        var operations = changes.Select(e => e.Event.GetProperty("commit")).ToDictionary(c => c.GetProperty("rkey").GetString()!, c => c);
        Assert.Equal(3, changes.Count);
        Assert.Equal(["create", "delete", "update"], new[] { rkeyOfCreate, before[1].Rkey, before[0].Rkey }.Select(k => operations[k].GetProperty("operation").GetString()));
        var delete = operations[before[1].Rkey];
        Assert.False(delete.TryGetProperty("record", out _));
        Assert.False(delete.TryGetProperty("cid", out _));
        AssertSameRecords(
            after.Where(r => r.Rkey == rkeyOfCreate || r.Rkey == before[0].Rkey),
            changes.Where(e => e.Event.GetProperty("commit").GetProperty("operation").GetString() != "delete").Select(e => e.Event).ToList());
    }

    private static JsonObject Record(string collection, string text, JsonNode? blob = null) => new()
    {
        ["image"] = blob?.DeepClone(),
        ["$type"] = collection,
        ["text"] = text,
        ["langs"] = new JsonArray("fr", "ja"),
        ["reply"] = new JsonObject { ["depth"] = 2, ["note"] = "ñ \"quoted\" <&>" },
        // A CID link and bytes: the PDS stores them as DAG-CBOR tag 42 and a byte string, listRecords gives them back as $link/$bytes.
        ["embed"] = new JsonObject { ["$link"] = "bafyreie5737gdxlw5i64vzichcalba3z2v5n6icifvx5xytvske7mr3hpm" },
        ["data"] = new JsonObject { ["$bytes"] = "AAEC/w" },
        ["createdAt"] = "2026-12-06T00:00:00.000Z",
    };

    /// <summary>Same rkeys, CIDs, and record JSON equal as JSON (key order and escaping are the writers' own).</summary>
    private static void AssertSameRecords(IEnumerable<ListedRecord> expected, List<JsonElement> queued)
    {
        var byRkey = queued.Select(e => e.GetProperty("commit")).ToDictionary(c => c.GetProperty("rkey").GetString()!, c => c);
        var listed = expected.ToList();
        Assert.Equal(listed.Select(r => r.Rkey).Order(StringComparer.Ordinal), byRkey.Keys.Order(StringComparer.Ordinal));
        foreach (var record in listed)
        {
            var commit = byRkey[record.Rkey];
            Assert.Equal(record.Cid, commit.GetProperty("cid").GetString());
            var actual = JsonNode.Parse(commit.GetProperty("record").GetRawText());
            Assert.True(JsonNode.DeepEquals(record.Value, actual), $"{record.Rkey}: listRecords {record.Value} but queued {actual}");
        }
    }

    /// <summary>A blob of the account's, so its records hold a blob ref (DAG-CBOR <c>{$type: blob, ref, mimeType, size}</c>).</summary>
    private async Task<JsonNode> UploadBlobAsync(DevNetAccount account)
    {
        using var pds = new HttpClient { BaseAddress = _devNet.PdsUrl };
        using var content = new ByteArrayContent([0x89, .."PNG not really"u8]);
        content.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("image/png");
        using var request = new HttpRequestMessage(HttpMethod.Post, "/xrpc/com.atproto.repo.uploadBlob") { Content = content };
        request.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", account.AccessJwt);
        using var response = await pds.SendAsync(request);
        Assert.True(response.IsSuccessStatusCode, await response.Content.ReadAsStringAsync());
        return JsonNode.Parse(await response.Content.ReadAsStringAsync())!["blob"]!.DeepClone();
    }

    private async Task<DevNetAccount> AccountHoldingAsync(string collection)
    {
        var account = await _devNet.CreateAccountAsync();
        await _devNet.WriteAsync(account.Did, [DevNetWrite.Create(collection, Record(collection, "hidden"))]);
        return account;
    }

    private async Task<List<ListedRecord>> ListRecordsAsync(string did, string collection)
    {
        using var pds = new HttpClient { BaseAddress = _devNet.PdsUrl };
        var records = new List<ListedRecord>();
        string? cursor = null;
        do
        {
            var page = await pds.GetFromJsonAsync<JsonElement>(
                $"/xrpc/com.atproto.repo.listRecords?repo={did}&collection={collection}&limit=100{(cursor is null ? "" : "&cursor=" + cursor)}");
            var items = page.GetProperty("records").EnumerateArray().ToList();
            records.AddRange(items.Select(r => new ListedRecord(
                did, r.GetProperty("uri").GetString()!.Split('/')[^1], r.GetProperty("cid").GetString()!, JsonNode.Parse(r.GetProperty("value").GetRawText()))));
            cursor = items.Count > 0 && page.TryGetProperty("cursor", out var next) ? next.GetString() : null;
        }
        while (cursor is not null);

        return records;
    }

    private async Task<string> LatestRevAsync(string did)
    {
        using var pds = new HttpClient { BaseAddress = _devNet.PdsUrl };
        var latest = await pds.GetFromJsonAsync<JsonElement>($"/xrpc/com.atproto.sync.getLatestCommit?did={did}");
        return latest.GetProperty("rev").GetString()!;
    }

    private sealed record ListedRecord(string Did, string Rkey, string Cid, JsonNode? Value);
}
