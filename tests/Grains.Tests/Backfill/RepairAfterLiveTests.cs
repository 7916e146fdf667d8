using System.Text.Json;
using Jetstream.Emulator;
using Jetstream.Grains.Interfaces;
using Jetstream.Grains.Interfaces.Backfill;
using Jetstream.TestSupport;
using Jetstream.TestSupport.Backfill;

namespace Jetstream.Grains.Tests.Backfill;

/// <summary>
/// The repair index follows backfills, not live deliveries (docs/backfill.md, "What a repair after live changes
/// sends"): a repair after live changes restates each record changed live since the last backfill, as the network has
/// it now, and the receiver's copy ends equal to the network. In-process cluster, the real processor reading the
/// Jetstream emulator, Azurite, the in-memory network.
/// </summary>
public sealed class RepairAfterLiveTests
{
    private const string Wanted = "app.test.item";
    private const string Did = "did:plc:livechanged";
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task A_repair_after_live_changes_restates_each_record_changed_live_and_the_copy_ends_equal_to_the_network()
    {
        var network = new FakeNetwork();
        var repo = network.Add(Did, "pds1.example", records: 4);
        await using var emulator = await JetstreamEmulator.StartAsync();
        await using var scenario = await BackfillScenario.StartAsync(network, [Wanted], tweak: settings => settings["Jetstream:Endpoints:0"] = emulator.SubscribeUri.ToString());
        await scenario.Cluster.Client.GetGrain<IJetstreamProcessorGrain>(scenario.SubscriptionId).EnsureRunning();
        await emulator.WaitForConnectionsAsync(1, Timeout);
        var copy = new SortedDictionary<string, string>(StringComparer.Ordinal);

        Assert.NotNull((await scenario.Job.Start([Did])).Status);
        await scenario.WaitForEndAsync(Timeout);
        Apply(copy, await scenario.DrainAsync(4));

        // Live, after the backfill: an update, a delete and a create, on the network and delivered live.
        repo.Put(Wanted, "3k00000000001", "changed live");
        Publish(emulator, repo, "update", "3k00000000001");
        repo.Remove(Wanted, "3k00000000002");
        Publish(emulator, repo, "delete", "3k00000000002");
        repo.Put(Wanted, "3klive0000001", "created live");
        Publish(emulator, repo, "create", "3klive0000001");
        var live = await scenario.DrainAsync(3, TimeSpan.FromSeconds(30));
        Apply(copy, live);
        Assert.Equal(Network(repo), copy);

        Assert.NotNull((await scenario.Job.Start([Did])).Status);
        await scenario.WaitForEndAsync(Timeout);
        var repair = await scenario.DrainAsync(3, TimeSpan.FromSeconds(10));
        Apply(copy, repair);

        // Each record changed live is restated as the network has it (the receiver has it so already): an update and a
        // create with the CIDs delivered live, a delete of the record deleted live; none of the unchanged ones.
        Assert.Equal(
            [("create", "3klive0000001", repo.Records[Wanted + "/3klive0000001"].Cid), ("delete", "3k00000000002", null), ("update", "3k00000000001", repo.Records[Wanted + "/3k00000000001"].Cid)],
            repair.Select(e => e.Event.GetProperty("commit")).Select(c => (c.GetProperty("operation").GetString()!, c.GetProperty("rkey").GetString()!, c.TryGetProperty("cid", out var cid) ? cid.GetString() : null))
                .OrderBy(c => c.Item1, StringComparer.Ordinal));
        Assert.All(repair, e => Assert.False(e.Event.GetProperty("live").GetBoolean()));
        Assert.Empty(repair.Select(e => e.Queued.EventId).Intersect(live.Select(e => e.Queued.EventId)));
        Assert.Equal(Network(repo), copy);

        // The repair brought the index up to date: the next one sends nothing.
        Assert.NotNull((await scenario.Job.Start([Did])).Status);
        Assert.Equal(0, (await scenario.WaitForEndAsync(Timeout)).Records);
    }

    /// <summary>Every delivery applied in order: create and update set the rkey's CID, delete removes it.</summary>
    private static void Apply(SortedDictionary<string, string> copy, IEnumerable<(Storage.QueuedEvent Queued, JsonElement Event)> events)
    {
        foreach (var (_, e) in events)
        {
            var commit = e.GetProperty("commit");
            var rkey = commit.GetProperty("rkey").GetString()!;
            if (commit.GetProperty("operation").GetString() == "delete")
            {
                copy.Remove(rkey);
            }
            else
            {
                copy[rkey] = commit.GetProperty("cid").GetString()!;
            }
        }
    }

    private static SortedDictionary<string, string> Network(FakeRepo repo) =>
        new(repo.Records.ToDictionary(r => r.Key[(Wanted.Length + 1)..], r => r.Value.Cid), StringComparer.Ordinal);

    private static void Publish(JetstreamEmulator emulator, FakeRepo repo, string operation, string rkey) =>
        emulator.Publish(operation == "delete"
            ? JsonSerializer.Serialize(new { did = repo.Did, time_us = 0, kind = "commit", commit = new { rev = repo.Rev, operation, collection = Wanted, rkey } })
            : JsonSerializer.Serialize(new
            {
                did = repo.Did,
                time_us = 0,
                kind = "commit",
                commit = new { rev = repo.Rev, operation, collection = Wanted, rkey, record = JsonDocument.Parse(repo.Records[Wanted + "/" + rkey].Json).RootElement, cid = repo.Records[Wanted + "/" + rkey].Cid },
            }));
}
