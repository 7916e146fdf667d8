using System.Diagnostics;
using System.Net.Http.Json;
using System.Text.Json;
using Azure.Data.Tables;
using Jetstream.Emulator;
using Jetstream.Grains.Backfill;
using Jetstream.Grains.Interfaces.Backfill;
using Jetstream.Grains.Processing;
using Jetstream.Storage;
using Jetstream.Storage.Subscriptions;
using Jetstream.TestSupport;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Xunit.Abstractions;

namespace Jetstream.Grains.Tests.Backfill;

/// <summary>
/// The kept set rows (<see cref="KeptSetRows"/>) across a real silo's death: a backfill over the AT Protocol emulator
/// run as its own process, one real Silo process (Azure Table clustering on Azurite) reading the Jetstream emulator.
/// Repository X is changed twice before the backfill (its snapshot rev R is the second change's), but the stream has
/// not carried those commits yet. Once X is handed over at R, the silo is killed with SIGKILL and started again; only
/// then does the stream carry X's two commits (revs at most R, in the snapshot) and a third made after (above R).
/// The new processor activation, knowing R only from X's kept set row, drops the two and queues the third, once.
/// </summary>
public sealed class SeamSiloCrashTests(ITestOutputHelper output)
{
    private const string Collection = "app.killseam.item";
    private const int Accounts = 3;
    private const int Matching = 2;
    private const string Probe = "did:plc:killseamprobeaaaaaaaaaaa";

    [Fact]
    public async Task Commits_the_snapshot_holds_that_the_stream_carries_only_after_a_silo_killed_past_the_hand_over_are_dropped_and_a_later_one_queued_once()
    {
        var clock = Stopwatch.StartNew();
        var storage = await SharedAzurite.GetConnectionStringAsync();
        await using var jetstream = await JetstreamEmulator.StartAsync();
        var atprotoPort = FreePort.Next();
        await using var atproto = HostProcess.Start("Atproto.Emulator", new Dictionary<string, string>
        {
            ["AtprotoEmulator__Port"] = atprotoPort.ToString(),
            ["AtprotoEmulator__PdsBasePort"] = FreePort.Next().ToString(),
            ["AtprotoEmulator__Accounts"] = Accounts.ToString(),
            ["AtprotoEmulator__MatchingRecords"] = Matching.ToString(),
            ["AtprotoEmulator__MatchingCollection"] = Collection,
            ["AtprotoEmulator__OtherRecords"] = "0",
            ["AtprotoEmulator__Seed"] = Random.Shared.Next(1, 1_000_000).ToString(),
            ["Logging__LogLevel__Default"] = "Warning",
        });
        var main = new Uri($"http://127.0.0.1:{atprotoPort}/");
        using var http = new HttpClient { BaseAddress = main };

        var tag = Guid.NewGuid().ToString("N")[..6];
        var cluster = "ks" + tag;
        var settings = BackfillSiloCrashTests.WithPorts(BackfillSiloCrashTests.SharedSettings(storage, jetstream.SubscribeUri, main, TestNames.Queue("killseam"), cluster));
        await using var silo = HostProcess.Start("Silo", settings);
        await Eventually.HoldsAsync(() => FreePort.IsListeningAsync(atprotoPort), TimeSpan.FromSeconds(60), "the AT Protocol emulator to listen");

        // X's two changes: new signed commits the next getRepo serves, their Jetstream events kept back from the stream.
        var accounts = await http.GetFromJsonAsync<JsonElement>($"/control/accounts?limit={Accounts}");
        var x = accounts.EnumerateArray().First().GetProperty("did").GetString()!;
        var before = new[] { await ChangeAsync(http, x, "made before the snapshot"), await ChangeAsync(http, x, "the snapshot's last") };
        var snapshotRev = before[1].Rev;
        Assert.True(string.CompareOrdinal(before[0].Rev, snapshotRev) < 0);
        await Eventually.HoldsAsync(() => Task.FromResult(silo.Output.Any(l => l.Contains("Activated", StringComparison.Ordinal))), TimeSpan.FromSeconds(180), "the silo started");
        output.WriteLine($"silo and emulator up, {x} changed to {snapshotRev} at {clock.Elapsed.TotalSeconds:F1} s");

        var id = "killseam-" + tag;
        var store = new SubscriptionStore(new StorageConnection(storage), Microsoft.Extensions.Options.Options.Create(new SubscriptionOptions { Container = settings["Subscriptions__Container"] }));
        Assert.True(await store.TryCreateAsync(new SubscriptionDocument
        {
            Id = id,
            WantedCollections = [Collection],
            Webhook = new WebhookDocument { Url = "http://127.0.0.1:9/hook" },
            CreatedAt = DateTimeOffset.UtcNow,
        }));
        var queue = QueueReader.Client(storage, $"{settings["Subscriptions__QueuePrefix"]}-{id}");
        var sets = new StorageConnection(storage).Table(settings["Backfill__HeldTable"]);
        using (var client = await BackfillSiloCrashTests.ClientAsync(storage, cluster))
        {
            var job = client.Services.GetRequiredService<IClusterClient>().GetGrain<IBackfillJobGrain>(id);
            Assert.NotNull((await job.Start(null)).Status);
            await Eventually.HoldsAsync(async () => (await job.GetStatus())!.State == BackfillState.Completed, TimeSpan.FromSeconds(120), "the backfill to complete");
            Assert.Equal(new BackfillRepoCounts(Accounts, 0, Accounts, 0, 0), (await job.GetStatus())!.Repos);
            await client.StopAsync(TimeSpan.FromSeconds(10));
        }

        // X is done at R and handed over: its set row is marked releasing with R (without the kept rows, gone soon after).
        var repos = new BackfillRepoTable(new StorageConnection(storage), Microsoft.Extensions.Options.Options.Create(new BackfillOptions { RepoTable = settings["Backfill__RepoTable"] }));
        Assert.Equal(snapshotRev, (await repos.LoadAsync(id, 1, CancellationToken.None)).Single(r => r.Did == x).Rev);
        await Eventually.HoldsAsync(async () => await SetRowAsync(sets, id, x) is not { } row || (row.GetBoolean("Releasing") == true && row.GetString("ReleaseRev") == snapshotRev),
            TimeSpan.FromSeconds(60), "X's set row marked with the snapshot rev");

        // The processor goes on reading past the hand-over (a commit of another repository queued), and some time passes:
        // without the kept rows, X's row was removed by now.
        jetstream.Publish(Commit(Probe, "3lrev00000001", "probe"));
        var queued = await QueueReader.DrainAsync(queue, (Accounts * Matching) + before.Length + 1, TimeSpan.FromSeconds(60));
        Assert.Contains(queued, q => q.Did == Probe);
        await Task.Delay(KeptSetRows.Pause * 3);
        output.WriteLine($"handed over; {queued.Count} queued; X's set row {(await SetRowAsync(sets, id, x) is null ? "gone" : "kept")} at {clock.Elapsed.TotalSeconds:F1} s");

        var reading = jetstream.Connections.Where(c => c.Url.Contains(Collection, StringComparison.Ordinal)).Select(c => c.Id).ToList();
        Assert.NotEmpty(reading);
        silo.Kill();
        await Eventually.HoldsAsync(() => Task.FromResult(!jetstream.Connections.Any(c => reading.Contains(c.Id))), TimeSpan.FromSeconds(30), "the killed silo's sockets to close");
        var after = await ChangeAsync(http, x, "made after the snapshot");
        output.WriteLine($"killed at {clock.Elapsed.TotalSeconds:F1} s; {x} changed again to {after.Rev}");

        silo.StartAgain();
        await Eventually.HoldsAsync(() => Task.FromResult(jetstream.Connections.Any(c => c.Url.Contains(Collection, StringComparison.Ordinal) && !reading.Contains(c.Id))),
            TimeSpan.FromSeconds(180), "the subscription's processor reading again on the new silo process");
        output.WriteLine($"the new silo's processor reads at {clock.Elapsed.TotalSeconds:F1} s");

        // Only now does the stream carry X's commits: the two the snapshot holds, then the later one.
        foreach (var change in before.Append(after))
        {
            jetstream.Publish(change.JetstreamEvent);
        }

        // A DID's queue writes go one after another, so any copy of the first two is in the queue before the third.
        var live = new List<QueuedEvent>();
        await Eventually.HoldsAsync(async () =>
        {
            live.AddRange(await QueueReader.DrainAsync(queue, 0, TimeSpan.FromSeconds(1)));
            return live.Any(q => q.Did == x && Rkey(q) == after.Rkey);
        }, TimeSpan.FromSeconds(60), "X's commit above the snapshot queued");
        live.AddRange(await QueueReader.DrainAsync(queue, int.MaxValue, TimeSpan.FromSeconds(2)));
        queued.AddRange(live);
        output.WriteLine($"after the restart {live.Count} queued ({string.Join(", ", live.Select(Describe))}) at {clock.Elapsed.TotalSeconds:F1} s");

        var fromX = queued.Where(q => q.Did == x && !IsBackfilled(q)).Select(Describe).ToList();
        Assert.Equal([$"{x} live {after.Rev} {after.Rkey} {after.Cid}"], fromX);
        foreach (var change in before)
        {
            Assert.Equal([$"{x} backfilled {snapshotRev} {change.Rkey} {change.Cid}"], queued.Where(q => q.Did == x && Rkey(q) == change.Rkey).Select(Describe));
        }

        // No record version twice (the probe aside: read again inside the restart's rewind, it may come twice).
        var versions = queued.Where(q => q.Did != Probe).Select(q => $"{q.Did}|{Rkey(q)}|{Commit(q).GetProperty("cid").GetString()}").ToList();
        Assert.Equal(versions.Count, versions.Distinct().Count());
        Assert.Equal((Accounts * Matching) + before.Length + 1, versions.Count);
        await Eventually.HoldsAsync(async () => await SkippedInSnapshotAsync(settings) == before.Length, TimeSpan.FromSeconds(30),
            "the new silo to count X's two commits skipped as in the snapshot");
    }

    private static async Task<TableEntity?> SetRowAsync(TableClient table, string id, string did)
    {
        var row = await table.GetEntityIfExistsAsync<TableEntity>("set~" + id, did);
        return row.HasValue ? row.Value : null;
    }

    /// <summary>Creates a record in <paramref name="did"/> at the AT Protocol emulator: a new commit, answered with its Jetstream event.</summary>
    private static async Task<Change> ChangeAsync(HttpClient http, string did, string text)
    {
        var response = await http.PostAsJsonAsync($"/control/accounts/{did}/records", new
        {
            operation = "create",
            collection = Collection,
            record = new Dictionary<string, string> { ["$type"] = Collection, ["text"] = text },
        });
        Assert.True(response.IsSuccessStatusCode, await response.Content.ReadAsStringAsync());
        return (await response.Content.ReadFromJsonAsync<Change>(JsonSerializerOptions.Web))!;
    }

    private static string Commit(string did, string rev, string rkey) => JsonSerializer.Serialize(new
    {
        did,
        time_us = 0,
        kind = "commit",
        commit = new { rev, operation = "create", collection = Collection, rkey, record = new { text = rkey }, cid = "bafylive" + rkey },
    });

    /// <summary><c>jetstream_events_skipped</c> with reason <c>in_snapshot</c> on the silo's Prometheus endpoint.</summary>
    private static async Task<long> SkippedInSnapshotAsync(Dictionary<string, string> settings)
    {
        using var http = new HttpClient();
        var text = await http.GetStringAsync(new Uri(new Uri(settings["ASPNETCORE_URLS"]), "/metrics"));
        return text.Split('\n').Where(l => l.StartsWith("jetstream_events_skipped", StringComparison.Ordinal) && l.Contains("reason=\"in_snapshot\"", StringComparison.Ordinal))
            .Sum(l => (long)double.Parse(l.Split(' ')[1], System.Globalization.CultureInfo.InvariantCulture));
    }

    private static bool IsBackfilled(QueuedEvent q) => Root(q).TryGetProperty("live", out var live) && !live.GetBoolean();

    private static JsonElement Root(QueuedEvent q) => JsonDocument.Parse(q.EventJson).RootElement;

    private static JsonElement Commit(QueuedEvent q) => Root(q).GetProperty("commit");

    private static string? Rkey(QueuedEvent q) => Commit(q).GetProperty("rkey").GetString();

    private static string Describe(QueuedEvent q) => $"{q.Did} {(IsBackfilled(q) ? "backfilled" : "live")} {Commit(q).GetProperty("rev").GetString()} {Rkey(q)} {Commit(q).GetProperty("cid").GetString()}";

    private sealed record Change(string Did, string Rev, string Collection, string Rkey, string? Cid, string JetstreamEvent);
}
