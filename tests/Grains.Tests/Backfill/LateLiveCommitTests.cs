using System.Text.Json;
using Jetstream.Emulator;
using Jetstream.Grains.Interfaces;
using Jetstream.Grains.Interfaces.Backfill;
using Jetstream.Storage;
using Jetstream.TestSupport;
using Jetstream.TestSupport.Backfill;

namespace Jetstream.Grains.Tests.Backfill;

/// <summary>
/// A processor behind the stream reads a commit made before its repository's snapshot only after the hand-over (issue
/// 18's end-to-end test on a loaded machine: a create the snapshot held came again under its live id, after the
/// snapshot's records and out of rev order). The in-process cluster, the processor reading the Jetstream emulator, the
/// queue and tables on Azurite, the in-memory network behind the port.
/// </summary>
public sealed class LateLiveCommitTests
{
    private const string Wanted = "app.test.item";
    private const string Did = "did:plc:late";

    [Fact]
    public async Task A_commit_read_after_the_hand_over_whose_rev_the_snapshot_holds_is_dropped_and_a_later_one_is_delivered()
    {
        var network = new FakeNetwork();
        var snapshot = network.Add(Did, "pds1.example", records: 3).Rev;
        await using var emulator = await JetstreamEmulator.StartAsync();
        await using var scenario = await BackfillScenario.StartAsync(network, [Wanted], 1, settings =>
            settings["Jetstream:Endpoints:0"] = emulator.SubscribeUri.ToString());
        await scenario.Cluster.Client.GetGrain<IJetstreamProcessorGrain>(scenario.SubscriptionId).EnsureRunning();
        await emulator.WaitForConnectionsAsync(1, TimeSpan.FromSeconds(30));

        Assert.NotNull((await scenario.Job.Start([Did])).Status);
        Assert.Equal(BackfillState.Completed, (await scenario.WaitForEndAsync(TimeSpan.FromSeconds(60))).State);
        var table = new StorageConnection(scenario.Storage).Table(scenario.Settings["Backfill:HeldTable"]!);
        await Eventually.HoldsAsync(async () => !await table.QueryAsync<Azure.Data.Tables.TableEntity>(select: ["PartitionKey"]).AnyAsync(),
            TimeSpan.FromSeconds(60), "the hand-over to end");

        Assert.True(string.CompareOrdinal("3lrev00000002", snapshot) < 0);
        Publish(emulator, "3lrev00000002", "k02");
        Publish(emulator, "3lrev00000070", "k70");
        var events = await scenario.DrainAsync(5, TimeSpan.FromSeconds(10));

        Assert.Equal(4, events.Count);
        Assert.All(events.Take(3), e => Assert.Equal(snapshot, e.Event.GetProperty("commit").GetProperty("rev").GetString()));
        Assert.Equal("3lrev00000070", events[3].Event.GetProperty("commit").GetProperty("rev").GetString());
    }

    private static void Publish(JetstreamEmulator emulator, string rev, string rkey) =>
        emulator.Publish(JsonSerializer.Serialize(new
        {
            did = Did,
            time_us = 0,
            kind = "commit",
            commit = new { rev, operation = "create", collection = Wanted, rkey, record = new { text = rkey }, cid = "bafylive" + rkey },
        }));
}
