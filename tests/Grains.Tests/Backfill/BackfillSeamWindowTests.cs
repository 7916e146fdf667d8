using System.Text.Json;
using Jetstream.Emulator;
using Jetstream.Storage;
using Jetstream.Grains.Interfaces;
using Jetstream.Grains.Interfaces.Backfill;
using Jetstream.TestSupport;
using Jetstream.TestSupport.Backfill;

namespace Jetstream.Grains.Tests.Backfill;

/// <summary>
/// The seam's two narrow windows (docs/backfill.md, "The seam with live"): a processor activated between a
/// subscription's creation with a backfill and the job's hold, and a repository stopped in the instant it finished.
/// In-process cluster, the real processor reading the Jetstream emulator, Azurite, the in-memory network.
/// </summary>
public sealed class BackfillSeamWindowTests
{
    private const string Wanted = "app.test.item";
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task A_processor_activated_before_the_first_backfill_holds_commits_read_in_that_moment_so_each_record_version_is_queued_once()
    {
        var network = new FakeNetwork();
        var repo = network.Add("did:plc:born", "pds1.example", records: 5);
        await using var emulator = await JetstreamEmulator.StartAsync();
        await using var scenario = await BackfillScenario.StartAsync(network, [Wanted], tweak: settings => settings["Jetstream:Endpoints:0"] = emulator.SubscribeUri.ToString());
        // As the Api stores a subscription created with "backfill": true.
        await scenario.Store.UpdateAsync(scenario.SubscriptionId, d => d with { AwaitingBackfill = true });

        // The consumer's wake-on-write registration activates the processor before the job has held anything.
        var processor = scenario.Cluster.Client.GetGrain<IJetstreamProcessorGrain>(scenario.SubscriptionId);
        await processor.WatchQueueWrites(scenario.Cluster.Client.CreateObjectReference<IQueueWriteObserver>(new NoObserver()), TimeSpan.FromMinutes(1));
        await emulator.WaitForConnectionsAsync(1, Timeout);
        // In that moment: three commits whose versions the snapshot holds, and one after it.
        foreach (var (rev, rkey) in new[] { ("3lrev00000002", "3k00000000001"), ("3lrev00000003", "3k00000000002"), ("3lrev00000005", "3k00000000004") })
        {
            Publish(emulator, "did:plc:born", rev, rkey, repo.Records[Wanted + "/" + rkey].Cid);
        }

        Publish(emulator, "did:plc:born", "3lrev00000060", "3klive0000001", "bafylive1");
        await Eventually.HoldsAsync(async () => await SeamTables.HeldCountAsync(scenario) >= 4, Timeout, "the commits read before the job to be held");

        Assert.NotNull((await scenario.Job.Start(null)).Status);
        Assert.False((await scenario.Store.GetAsync(scenario.SubscriptionId))!.Document.AwaitingBackfill);
        var status = await scenario.WaitForEndAsync(Timeout);
        var events = await scenario.DrainAsync(7, TimeSpan.FromSeconds(10));

        Assert.Equal(new BackfillRepoCounts(1, 0, 1, 0, 0), status.Repos);
        var versions = events.Select(e => VersionOf(e.Event)).ToList();
        Assert.Equal(6, versions.Count);
        Assert.Equal(6, versions.Distinct().Count());
        Assert.Equal("3klive0000001", events[^1].Event.GetProperty("commit").GetProperty("rkey").GetString());
        Assert.True(await SeamTables.HeldTableEmptiesAsync(scenario, Timeout));
    }

    [Fact]
    public async Task A_subscription_created_with_a_backfill_the_Api_never_started_has_it_started_by_its_processor_and_the_held_commits_delivered()
    {
        var network = new FakeNetwork();
        var repo = network.Add("did:plc:orphan", "pds1.example", records: 5);
        await using var emulator = await JetstreamEmulator.StartAsync();
        await using var scenario = await BackfillScenario.StartAsync(network, [Wanted], tweak: settings =>
        {
            settings["Jetstream:Endpoints:0"] = emulator.SubscribeUri.ToString();
            settings["Backfill:FirstStartGraceSeconds"] = "10";
        });
        // As the Api stores a subscription created with "backfill": true, and then dies before starting the job.
        await scenario.Store.UpdateAsync(scenario.SubscriptionId, d => d with { AwaitingBackfill = true });

        // The silo's activation sweep finds the subscription and runs its processor.
        await scenario.Cluster.Client.GetGrain<IJetstreamProcessorGrain>(scenario.SubscriptionId).EnsureRunning();
        await emulator.WaitForConnectionsAsync(1, Timeout);
        // Live commits while nothing runs: one whose version the snapshot holds, two after it.
        Publish(emulator, "did:plc:orphan", "3lrev00000002", "3k00000000001", repo.Records[Wanted + "/3k00000000001"].Cid);
        Publish(emulator, "did:plc:orphan", "3lrev00000060", "3klive0000001", "bafylive1");
        Publish(emulator, "did:plc:other", "3lrev00000061", "3klive0000002", "bafylive2");
        await Eventually.HoldsAsync(async () => await SeamTables.HeldCountAsync(scenario) >= 3, Timeout, "the commits read before any backfill to be held");
        Assert.Null(await scenario.Job.GetStatus());

        var status = await scenario.WaitForEndAsync(Timeout);
        var events = await scenario.DrainAsync(7, TimeSpan.FromSeconds(10));
        // The Api comes back: its start finds the backfill started and makes no second run.
        var late = await scenario.Job.StartAwaited();

        Assert.Equal(new BackfillRepoCounts(1, 0, 1, 0, 0), status.Repos);
        Assert.False((await scenario.Store.GetAsync(scenario.SubscriptionId))!.Document.AwaitingBackfill);
        var versions = events.Select(e => VersionOf(e.Event)).ToList();
        Assert.Equal(7, versions.Count);
        Assert.Equal(7, versions.Distinct().Count());
        Assert.Equal(5, events.Count(e => e.Event.TryGetProperty("live", out var live) && !live.GetBoolean()));
        Assert.Contains(events, e => e.Event.GetProperty("commit").GetProperty("rkey").GetString() == "3klive0000001");
        Assert.Contains(events, e => e.Event.GetProperty("did").GetString() == "did:plc:other");
        Assert.Equal(BackfillStartRefusal.AlreadyStarted, late.Refusal);
        Assert.Equal(status.StartedAt, (await scenario.Job.GetStatus())!.StartedAt);
        Assert.True(await SeamTables.HeldTableEmptiesAsync(scenario, Timeout));
    }

    [Fact]
    public async Task A_repository_cancelled_in_the_instant_it_finished_is_handed_over_with_its_rev_so_commits_its_snapshot_holds_are_not_sent_again()
    {
        var network = new FakeNetwork();
        var repo = network.Add("did:plc:instant", "pds1.example", records: 5);
        repo.EndGate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var emulator = await JetstreamEmulator.StartAsync();
        await using var scenario = await BackfillScenario.StartAsync(network, [Wanted], tweak: settings => settings["Jetstream:Endpoints:0"] = emulator.SubscribeUri.ToString());
        await scenario.Cluster.Client.GetGrain<IJetstreamProcessorGrain>(scenario.SubscriptionId).EnsureRunning();
        await emulator.WaitForConnectionsAsync(1, Timeout);

        Assert.NotNull((await scenario.Job.Start(["did:plc:instant"])).Status);
        Publish(emulator, "did:plc:instant", "3lrev00000003", "3k00000000002", repo.Records[Wanted + "/3k00000000002"].Cid);
        await Eventually.HoldsAsync(async () => await SeamTables.HeldCountAsync(scenario) >= 1, Timeout, "the live commit to be held");
        // Shown and indexed; its grain has not reported yet when the cancel comes.
        await repo.Ended.Task.WaitAsync(Timeout);
        var cancel = scenario.Job.Cancel("test");
        await Task.Delay(300);
        repo.EndGate.SetResult();
        var status = await cancel;
        var events = await scenario.DrainAsync(6, TimeSpan.FromSeconds(5));

        Assert.Equal(BackfillState.Cancelled, status!.State);
        Assert.Equal(new BackfillRepoCounts(1, 0, 1, 0, 0), status.Repos);
        Assert.Equal(5, events.Count);
        Assert.All(events, e => Assert.False(e.Event.GetProperty("live").GetBoolean()));
        Assert.True(await SeamTables.HeldTableEmptiesAsync(scenario, Timeout));
    }

    private static string VersionOf(JsonElement e)
    {
        var commit = e.GetProperty("commit");
        return $"{e.GetProperty("did").GetString()}|{commit.GetProperty("rkey").GetString()}|{commit.GetProperty("cid").GetString()}";
    }

    private static void Publish(JetstreamEmulator emulator, string did, string rev, string rkey, string cid) =>
        emulator.Publish(JsonSerializer.Serialize(new
        {
            did,
            time_us = 0,
            kind = "commit",
            commit = new { rev, operation = "create", collection = Wanted, rkey, record = new { text = rkey }, cid },
        }));

    private sealed class NoObserver : IQueueWriteObserver
    {
        public Task QueueWritten() => Task.CompletedTask;
    }
}
