using System.Text.Json;
using Jetstream.Emulator;
using Jetstream.Storage;
using Jetstream.Storage.Subscriptions;
using Jetstream.Grains.Interfaces;
using Jetstream.Grains.Interfaces.Backfill;
using Jetstream.TestSupport;
using Jetstream.TestSupport.Backfill;

namespace Jetstream.Grains.Tests.Backfill;

/// <summary>
/// The seam between a repository's backfill and its live commits, on the in-process cluster with the real processor
/// reading the Jetstream emulator, the real queue and tables on Azurite, and the in-memory network behind the port.
/// </summary>
public sealed class BackfillSeamTests
{
    private const string Wanted = "app.test.item";
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task Live_commits_before_during_and_after_the_snapshot_are_delivered_once_in_rev_order_after_its_records_and_other_repositories_pass_at_once()
    {
        // The snapshot reads for 4 s: the commits below are published while it runs, even on a loaded machine.
        var network = new FakeNetwork { RecordDelay = TimeSpan.FromMilliseconds(400) };
        var snapshot = network.Add("did:plc:seam", "pds1.example", records: 10).Rev;
        await using var emulator = await JetstreamEmulator.StartAsync();
        await using var scenario = await StartAsync(network, emulator);

        Assert.NotNull((await scenario.Job.Start(["did:plc:seam"])).Status);
        // Before and during the snapshot: one its records already hold (dropped), three after it, arriving out of rev order.
        Publish(emulator, "did:plc:seam", "3lrev00000002", "k02");
        Publish(emulator, "did:plc:seam", "3lrev00000060", "k60");
        Publish(emulator, "did:plc:free", "3lfree0000001", "f01");
        // On a loaded machine the snapshot's message may already be there too: kept, in queue order, with what follows.
        var early = await scenario.DrainAsync(1, TimeSpan.FromSeconds(10));
        Publish(emulator, "did:plc:seam", "3lrev00000050", "k50");
        Publish(emulator, "did:plc:seam", "3lrev00000055", "k55");
        var status = await scenario.WaitForEndAsync(Timeout);
        // After: straight through once handed over, or held and handed over with the rest if it comes meanwhile.
        Publish(emulator, "did:plc:seam", "3lrev00000070", "k70");
        var events = early.Concat(await scenario.DrainAsync(15 - early.Count, TimeSpan.FromSeconds(30))).ToList();
        var free = events.Where(e => e.Queued.Did == "did:plc:free").ToList();

        Assert.Equal(BackfillState.Completed, status.State);
        Assert.Single(free);
        Assert.True(free[0].Queued.QueuedAt < status.CompletedAt, "A repository not under backfill waited for it.");
        var seam = events.Where(e => e.Queued.Did == "did:plc:seam").ToList();
        Assert.Equal(14, seam.Count);
        Assert.All(seam.Take(10), e => Assert.False(e.Event.GetProperty("live").GetBoolean()));
        Assert.All(seam.Take(10), e => Assert.Equal(snapshot, e.Event.GetProperty("commit").GetProperty("rev").GetString()));
        Assert.Equal(["3lrev00000050", "3lrev00000055", "3lrev00000060", "3lrev00000070"], seam.Skip(10).Select(e => e.Event.GetProperty("commit").GetProperty("rev").GetString()));
        Assert.All(seam.Skip(10), e => Assert.False(e.Event.TryGetProperty("live", out _)));
        Assert.Equal(14, seam.Select(e => e.Queued.EventId).Distinct().Count());
        Assert.True(await HeldTableIsEmptyAsync(scenario));
    }

    [Fact]
    public async Task A_silo_killed_while_live_commits_are_held_loses_none_of_them()
    {
        var network = new FakeNetwork { RecordDelay = TimeSpan.FromMilliseconds(100) };
        for (var i = 0; i < 4; i++)
        {
            network.Add($"did:plc:kill{i}", "pds1.example", records: 20);
        }

        await using var emulator = await JetstreamEmulator.StartAsync();
        await using var scenario = await StartAsync(network, emulator, silos: 2);
        Assert.NotNull((await scenario.Job.Start([.. Enumerable.Range(0, 4).Select(i => $"did:plc:kill{i}")])).Status);
        for (var i = 0; i < 4; i++)
        {
            Publish(emulator, $"did:plc:kill{i}", "3lrev00000100", "a" + i);
        }

        var processor = scenario.Cluster.Client.GetGrain<IJetstreamProcessorGrain>(scenario.SubscriptionId);
        await Eventually.HoldsAsync(async () => await HeldCountAsync(scenario) >= 4, Timeout, "the live commits to be held");
        var host = scenario.Cluster.TryGetGrainContext(processor.GetGrainId(), out var context) ? context.Address.SiloAddress : null;
        var victim = scenario.Cluster.Silos.FirstOrDefault(s => s.SiloAddress == host) ?? scenario.Cluster.Silos[^1];
        await scenario.Cluster.KillSiloAsync(victim);
        for (var i = 0; i < 4; i++)
        {
            Publish(emulator, $"did:plc:kill{i}", "3lrev00000200", "b" + i);
        }

        await processor.EnsureRunning();
        var status = await scenario.WaitForEndAsync(TimeSpan.FromSeconds(120));
        var events = await scenario.DrainAsync(88, TimeSpan.FromSeconds(60));

        Assert.Equal(new BackfillRepoCounts(4, 0, 4, 0, 0), status.Repos);
        for (var i = 0; i < 4; i++)
        {
            var did = $"did:plc:kill{i}";
            var ids = events.Where(e => e.Queued.Did == did).Select(e => e.Queued.EventId).Distinct().ToList();
            Assert.True(ids.Count == 22, $"{did}: {string.Join(", ", events.Where(e => e.Queued.Did == did && !e.Event.TryGetProperty("live", out _)).Select(e => e.Event.GetProperty("commit").GetProperty("rkey").GetString()))}; held rows left {await HeldCountAsync(scenario)}");
            var order = events.Where(e => e.Queued.Did == did).Select(e => e.Event.TryGetProperty("live", out _) ? "snapshot" : e.Event.GetProperty("commit").GetProperty("rev").GetString()).Distinct().ToList();
            Assert.Equal(["snapshot", "3lrev00000100", "3lrev00000200"], order);
        }
    }

    [Fact]
    public async Task The_hold_on_everyone_ends_once_every_discovered_repository_is_held_before_their_pending_rows_are_written()
    {
        var network = new FakeNetwork();
        network.Add("did:plc:first", "pds1.example", records: 2);
        await using var emulator = await JetstreamEmulator.StartAsync();
        await using var scenario = await StartAsync(network, emulator);
        // A first run has the job's silo create the run table (once per silo)...
        Assert.NotNull((await scenario.Job.Start(["did:plc:first"])).Status);
        await scenario.WaitForEndAsync(Timeout);
        Assert.Equal(2, (await scenario.DrainAsync(2)).Count);
        // ...which is then gone: the next run's pending rows cannot be written, so it never gets past writing them.
        await new StorageConnection(scenario.Storage).Table(scenario.Settings["Backfill:RepoTable"]!).DeleteAsync();
        network.Add("did:plc:listed", "pds1.example", records: 2);

        Assert.NotNull((await scenario.Job.Start(null)).Status);
        Publish(emulator, "did:plc:listed", "3lrev00000100", "l01");
        Publish(emulator, "did:plc:free", "3lfree0000001", "f01");
        // Before: the hold on everyone ended after the pending rows, so a repository the relay does not list waited for them.
        var events = await scenario.DrainAsync(1, TimeSpan.FromSeconds(30));

        Assert.Equal("did:plc:free", Assert.Single(events).Queued.Did);
        // The discovered repository was held before that: its commit waits for its snapshot, never fetched here.
        await Eventually.HoldsAsync(async () => await HeldCountAsync(scenario, "did:plc:listed") == 1, Timeout, "the listed repository's commit to be held");
        Assert.Equal(0, network.OpensOf("did:plc:listed"));
    }

    [Fact]
    public async Task A_new_subscriptions_first_connection_asks_from_the_moment_its_creation_was_answered()
    {
        await using var emulator = await JetstreamEmulator.StartAsync();
        await using var scenario = await BackfillScenario.StartAsync(new FakeNetwork(), [Wanted], tweak: settings => settings["Jetstream:Endpoints:0"] = emulator.SubscribeUri.ToString());
        var createdAt = DateTimeOffset.UtcNow;
        var id = "first-" + Guid.NewGuid().ToString("N")[..8];
        Assert.True(await scenario.Store.TryCreateAsync(new SubscriptionDocument { Id = id, WantedCollections = [Wanted], CreatedAt = createdAt, Webhook = new WebhookDocument { Url = "http://127.0.0.1:9/hook" } }));
        // Between the answer and the first socket: a user's first events, which the subscription owes.
        Publish(emulator, "did:plc:early", "3lrev00000001", "e1");
        Publish(emulator, "did:plc:early", "3lrev00000002", "e2");

        await scenario.Cluster.Client.GetGrain<IJetstreamProcessorGrain>(id).EnsureRunning();
        var queue = QueueReader.Client(scenario.Storage, scenario.Settings["Subscriptions:QueuePrefix"] + "-" + id);
        var events = await QueueReader.DrainAsync(queue, 2, TimeSpan.FromSeconds(20));

        Assert.Equal(2, events.Select(e => e.EventId).Distinct().Count());
        Assert.Contains(emulator.RequestedUrls, url => url.Contains("cursor=" + UnixMicroseconds.From(createdAt), StringComparison.Ordinal));
        await queue.DeleteIfExistsAsync();
    }

    private static async Task<BackfillScenario> StartAsync(FakeNetwork network, JetstreamEmulator emulator, short silos = 1)
    {
        var scenario = await BackfillScenario.StartAsync(network, [Wanted], silos, settings =>
        {
            settings["Jetstream:Endpoints:0"] = emulator.SubscribeUri.ToString();
        });
        await scenario.Cluster.Client.GetGrain<IJetstreamProcessorGrain>(scenario.SubscriptionId).EnsureRunning();
        await emulator.WaitForConnectionsAsync(1, TimeSpan.FromSeconds(30));
        return scenario;
    }

    private static void Publish(JetstreamEmulator emulator, string did, string rev, string rkey) =>
        emulator.Publish(JsonSerializer.Serialize(new
        {
            did,
            time_us = 0,
            kind = "commit",
            commit = new { rev, operation = "create", collection = Wanted, rkey, record = new { text = rkey }, cid = "bafylive" + rkey },
        }));

    private static async Task<int> HeldCountAsync(BackfillScenario scenario, string? did = null)
    {
        var table = new StorageConnection(scenario.Storage).Table(scenario.Settings["Backfill:HeldTable"]!);
        var count = 0;
        await foreach (var e in table.QueryAsync<Azure.Data.Tables.TableEntity>(select: ["PartitionKey"]))
        {
            count += e.PartitionKey.StartsWith("ev~", StringComparison.Ordinal) && (did is null || e.PartitionKey.EndsWith("~" + did, StringComparison.Ordinal)) ? 1 : 0;
        }

        return count;
    }

    private static async Task<bool> HeldTableIsEmptyAsync(BackfillScenario scenario)
    {
        var table = new StorageConnection(scenario.Storage).Table(scenario.Settings["Backfill:HeldTable"]!);
        await Eventually.HoldsAsync(async () => !await table.QueryAsync<Azure.Data.Tables.TableEntity>(select: ["PartitionKey"]).AnyAsync(), Timeout, "the seam's table to empty");
        return true;
    }
}
