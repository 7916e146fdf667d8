using Jetstream.Grains.Backfill;
using Microsoft.Extensions.DependencyInjection;
using Jetstream.Grains.Interfaces.Backfill;
using Jetstream.Storage.Subscriptions;
using Jetstream.TestSupport;
using Jetstream.TestSupport.Backfill;

namespace Jetstream.Grains.Tests.Backfill;

/// <summary>
/// A deleted subscription's cleanup and a subscription created again at once with the same id (a user's script does
/// that): the cleanup removes the deleted one's rows and repair index, never the new one's, however long it takes.
/// In-process cluster, Azurite, the in-memory network.
/// </summary>
public sealed class BackfillCleanupTests
{
    private const string Wanted = "app.test.item";
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task A_subscription_created_again_at_once_gets_every_record_and_keeps_its_rows_and_index_while_the_deleted_ones_are_removed()
    {
        var network = new FakeNetwork();
        network.Add("did:plc:again", "pds1.example", records: 4);
        await using var scenario = await BackfillScenario.StartAsync(network, [Wanted]);
        var id = scenario.SubscriptionId;
        var deleted = (await scenario.Store.GetAsync(id))!.Document;
        await scenario.Job.Start(null);
        await scenario.WaitForEndAsync(Timeout);
        Assert.Equal(4, (await scenario.DrainAsync(4)).Count);
        // A large run to remove, so its removal is still under way when the new subscription's backfill runs.
        await scenario.Repos.AddPendingAsync(id, 1, [.. Enumerable.Range(0, 3000).Select(i => $"did:plc:old{i:D5}")]);

        // As the Api deletes (discard=true): marked deleting, the cleanup started, the document removed; created again.
        await scenario.Store.UpdateAsync(id, d => d with { Lifecycle = SubscriptionLifecycle.Deleting });
        await scenario.Cluster.Client.GetGrain<IBackfillCleanupGrain>(id).Start(deleted.Generation);
        await scenario.Store.DeleteAsync(id);
        Assert.True(await scenario.Store.TryCreateAsync(new SubscriptionDocument
        {
            Id = id,
            WantedCollections = [Wanted],
            CreatedAt = DateTimeOffset.UtcNow,
            Webhook = new WebhookDocument { Url = "http://127.0.0.1:9/hook" },
        }));
        var created = (await scenario.Store.GetAsync(id))!.Document;
        Assert.NotNull((await scenario.Job.Start(null)).Status);
        var status = await scenario.WaitForEndAsync(Timeout);
        var events = await scenario.DrainAsync(4, TimeSpan.FromSeconds(10));

        // The new subscription's receiver has nothing yet: every record is a create, not compared with the deleted one's deliveries.
        Assert.NotEqual(deleted.Generation, created.Generation);
        Assert.Equal(new BackfillRepoCounts(1, 0, 1, 0, 0), status.Repos);
        Assert.Equal(4, events.Count);
        Assert.All(events, e => Assert.Equal("create", e.Event.GetProperty("commit").GetProperty("operation").GetString()));

        var index = scenario.Cluster.Silos[0].ServiceProvider.GetRequiredService<DeliveredIndex>();
        await Eventually.HoldsAsync(async () => (await scenario.Repos.LoadAsync(id, 1)).Count == 0 && await index.CountAsync(id, deleted.Generation) == 0,
            Timeout, "the deleted subscription's rows and index to be removed");
        await Task.Delay(500);
        Assert.Single(await scenario.Repos.LoadAsync(id, 2));
        Assert.Equal(1, await index.CountAsync(id, created.Generation));

        // Its index is whole: a repair finds nothing to send.
        Assert.NotNull((await scenario.Job.Start(["did:plc:again"])).Status);
        var repair = await scenario.WaitForEndAsync(Timeout);
        Assert.Equal(new BackfillRepoCounts(1, 0, 1, 0, 0), repair.Repos);
        Assert.Equal(0, repair.Records);
    }

    [Fact]
    public async Task A_removal_cut_off_by_its_silos_death_is_finished_on_another()
    {
        var network = new FakeNetwork();
        network.Add("did:plc:ran", "pds1.example", records: 1);
        await using var scenario = await BackfillScenario.StartAsync(network, [Wanted], silos: 2);
        var id = scenario.SubscriptionId;
        var generation = (await scenario.Store.GetAsync(id))!.Document.Generation;
        await scenario.Job.Start(null);
        await scenario.WaitForEndAsync(Timeout);
        await scenario.Repos.AddPendingAsync(id, 1, [.. Enumerable.Range(0, 5000).Select(i => $"did:plc:old{i:D5}")]);
        await scenario.Store.UpdateAsync(id, d => d with { Lifecycle = SubscriptionLifecycle.Deleting });

        var cleanup = scenario.Cluster.Client.GetGrain<IBackfillCleanupGrain>(id);
        await cleanup.Start(generation);
        var host = scenario.Cluster.TryGetGrainContext(cleanup.GetGrainId(), out var context) ? context.Address.SiloAddress : null;
        await scenario.Cluster.KillSiloAsync(Assert.Single(scenario.Cluster.Silos, s => s.SiloAddress == host));
        var left = (await scenario.Repos.LoadAsync(id, 1)).Count;

        // The reminder (1 minute) brings the grain back on the survivor with no call made to it, which goes on from its
        // state. (An in-process silo's death does not stop its tasks, so the rows alone would not show that.)
        await Eventually.HoldsAsync(() => Task.FromResult(scenario.Cluster.TryGetGrainContext(cleanup.GetGrainId(), out _)), TimeSpan.FromMinutes(3),
            "the cleanup grain to be brought back by its reminder");
        await Eventually.HoldsAsync(async () => (await scenario.Repos.LoadAsync(id, 1)).Count == 0, TimeSpan.FromMinutes(3), "the rows to be removed after the silo's death");
        Assert.True(left > 0, "the removal ended before the silo was killed: nothing was cut off");
    }
}
