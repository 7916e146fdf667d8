using Jetstream.Grains.Interfaces;
using Jetstream.Grains.Interfaces.Backfill;
using Jetstream.Storage;
using Jetstream.TestSupport;
using Jetstream.TestSupport.Backfill;
using Orleans.Core.Internal;

namespace Jetstream.Grains.Tests.Backfill;

/// <summary>
/// The job trusts a discovery's holds only when one processor activation took them all and says they are stored
/// (<c>HoldStored</c>): the in-process cluster, Azurite, and the processor deactivated between two holds of one discovery.
/// </summary>
public sealed class BackfillDiscoveryHoldTests
{
    private const string First = "app.test.first";
    private const string Second = "app.test.second";

    [Fact]
    public async Task A_processor_activated_again_between_two_holds_of_one_discovery_makes_the_job_discover_again()
    {
        var network = new FakeNetwork();
        network.Add("did:plc:first", "pds1.example", records: 3, collection: First);
        network.Add("did:plc:second", "pds1.example", records: 2, collection: Second);
        var secondListed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var processorGone = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        network.BeforeListing = async collection =>
        {
            if (collection == Second && network.ListingsOf(Second) == 1)
            {
                secondListed.SetResult();
                await processorGone.Task;
            }
        };
        await using var scenario = await BackfillScenario.StartAsync(network, [First, Second]);

        await scenario.Job.Start(null);
        await secondListed.Task.WaitAsync(TimeSpan.FromSeconds(30));
        // The first list's hold reached the processor (its set row is stored behind it); then the processor goes.
        var set = new StorageConnection(scenario.Storage).Table(scenario.Settings["Backfill:HeldTable"]!);
        await Eventually.HoldsAsync(
            async () => await set.QueryAsync<Azure.Data.Tables.TableEntity>(e => e.RowKey == "did:plc:first").AnyAsync(),
            TimeSpan.FromSeconds(30), "the first list's hold to be stored");
        var processor = scenario.Cluster.Client.GetGrain<IJetstreamProcessorGrain>(scenario.SubscriptionId);
        await processor.AsReference<IGrainManagementExtension>().DeactivateOnIdle();
        processorGone.SetResult();

        var status = await scenario.WaitForEndAsync(TimeSpan.FromSeconds(60));
        Assert.Equal(BackfillState.Completed, status.State);
        Assert.Equal(new BackfillRepoCounts(2, 0, 2, 0, 0), status.Repos);
        // The second list was held by another activation than the first: the relay was read again, all held by one.
        Assert.Equal(2, network.ListingsOf(First));
        Assert.Equal(5, (await scenario.DrainAsync(5)).Select(e => e.Queued.EventId).Distinct().Count());
    }
}
