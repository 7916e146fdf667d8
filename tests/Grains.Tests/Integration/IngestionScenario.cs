using Jetstream.Emulator;
using Jetstream.Storage;
using Jetstream.Grains.Interfaces;
using Jetstream.Grains.Interfaces.Events;
using Jetstream.TestSupport;
using Orleans.TestingHost;

namespace Jetstream.Grains.Tests.Integration;

/// <summary>An emulator, a processor cluster reading it, and the queue it writes: the parts of one ingestion test.</summary>
internal sealed class IngestionScenario : IAsyncDisposable
{
    public static readonly string[] Wanted = ["work.doing.*", "blue.2048.*"];

    public static readonly string[] Collections = ["work.doing.task", "blue.2048.game", "blue.2048.score", "app.bsky.feed.like", "app.bsky.feed.post", "work.doingx.other"];

    private IngestionScenario(JetstreamEmulator emulator, InProcessTestCluster cluster, string storage, string queueName)
    {
        Emulator = emulator;
        Cluster = cluster;
        Storage = storage;
        QueueName = queueName;
    }

    public JetstreamEmulator Emulator { get; }

    public InProcessTestCluster Cluster { get; }

    public string Storage { get; }

    public string QueueName { get; }

    public IJetstreamProcessorGrain Processor => Cluster.Client.GetGrain<IJetstreamProcessorGrain>(IJetstreamProcessorGrain.DefaultKey);

    /// <param name="endpoint">The emulator's URL to read (default its v1 <c>/subscribe</c>; <see cref="JetstreamEmulator.SubscribeEventsUri"/> for v2).</param>
    public static async Task<IngestionScenario> StartAsync(
        string prefix, EmulatorOptions? emulatorOptions = null, string? storage = null, Action<Dictionary<string, string?>>? configure = null, Func<JetstreamEmulator, Uri>? endpoint = null)
    {
        storage ??= await SharedAzurite.GetConnectionStringAsync();
        var emulator = await JetstreamEmulator.StartAsync(emulatorOptions);
        var queueName = TestNames.Queue(prefix);
        var uri = endpoint?.Invoke(emulator) ?? emulator.SubscribeUri;
        var settings = ProcessorTestCluster.Settings(uri, queueName, Wanted);
        configure?.Invoke(settings);
        var cluster = await ProcessorTestCluster.StartAsync(storage, settings);
        if (settings["Jetstream:Endpoints:0"] != uri.ToString())
        {
            return new IngestionScenario(emulator, cluster, storage, queueName);
        }

        var processor = cluster.Client.GetGrain<IJetstreamProcessorGrain>(IJetstreamProcessorGrain.DefaultKey);
        try
        {
            await emulator.WaitForConnectionsAsync(1, TimeSpan.FromSeconds(30));
        }
        catch (TimeoutException ex)
        {
            throw new TimeoutException($"{ex.Message} Processor status: {await processor.GetStatus()}", ex);
        }

        return new IngestionScenario(emulator, cluster, storage, queueName);
    }

    public static IEnumerable<string> MixedEvents(int seed, int count, double commitShare = 0.6) =>
        new EventGenerator(seed, new GeneratorProfile { CommitShare = commitShare, Collections = Collections }).Take(count);

    /// <summary>The commits of the emulator's log that the processor must queue.</summary>
    public List<LoggedEvent> ExpectedCommits()
    {
        var filter = new CollectionFilter(Wanted);
        return Emulator.Log.Where(e => e.Kind == EventKinds.Commit && filter.Matches(e.Collection!)).ToList();
    }

    public Task<List<QueuedEvent>> DrainQueueAsync(int expected, TimeSpan timeout) =>
        QueueReader.DrainAsync(QueueReader.Client(Storage, QueueName), expected, timeout);

    public async ValueTask DisposeAsync()
    {
        await Cluster.DisposeAsync();
        await Emulator.DisposeAsync();
    }
}
