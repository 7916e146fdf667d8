using Jetstream.Emulator;
using Jetstream.Grains.Interfaces;
using Jetstream.TestSupport;
using Orleans.Configuration;
using Orleans.Runtime;
using Orleans.TestingHost;

namespace Jetstream.Grains.Tests.Cluster;

public sealed class FailoverBetweenSilosTests
{
    [Fact]
    public async Task When_the_processors_silo_dies_the_reminder_brings_it_back_on_another_silo()
    {
        var storage = await SharedAzurite.GetConnectionStringAsync();
        await using var emulator = await JetstreamEmulator.StartAsync();
        var settings = ProcessorTestCluster.Settings(emulator.SubscribeUri, TestNames.Queue("move"), "work.doing.*");
        settings["Jetstream:KeepAliveReminderSeconds"] = "2";
        var cluster = await ProcessorTestCluster.StartAsync(storage, settings, silos: 2, configureSilo: silo =>
        {
            silo.Configure<ReminderOptions>(o => o.MinimumReminderPeriod = TimeSpan.FromSeconds(1));
            silo.Configure<ClusterMembershipOptions>(o =>
            {
                o.ProbeTimeout = TimeSpan.FromSeconds(1);
                o.NumMissedProbesLimit = 2;
                o.NumVotesForDeathDeclaration = 1;
            });
        });
        await using var _ = cluster;
        await emulator.WaitForConnectionsAsync(1, TimeSpan.FromSeconds(30));

        var processor = cluster.Client.GetGrain<IJetstreamProcessorGrain>(IJetstreamProcessorGrain.DefaultKey);
        var host = SiloOf(cluster, processor);
        await cluster.KillSiloAsync(cluster.Silos.Single(s => s.SiloAddress == host));
        await emulator.WaitForConnectionsAsync(0, TimeSpan.FromSeconds(10));

        await emulator.WaitForConnectionsAsync(1, TimeSpan.FromSeconds(90));
        Assert.NotEqual(host, SiloOf(cluster, processor));
        // The emulator counts a connection before its upgrade completes; the processor says connected once it has.
        await Eventually.HoldsAsync(async () => (await processor.GetStatus()).Connected, TimeSpan.FromSeconds(10), "connected on the other silo");
    }

    private static SiloAddress? SiloOf(InProcessTestCluster cluster, IJetstreamProcessorGrain processor) =>
        cluster.TryGetGrainContext(processor.GetGrainId(), out var context) ? context.Address.SiloAddress : null;
}
