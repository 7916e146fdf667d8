using Azure.Storage.Queues;
using Jetstream.Emulator;
using Jetstream.WebhookReceiver;

namespace Jetstream.Bench.Pipeline;

/// <summary>
/// Issue 11's isolation figure: a healthy subscription's Jetstream-to-webhook latency, first alone, then beside a
/// subscription whose receiver answers 500 to every request. The emulator publishes both collections at the same rate
/// in both runs (nobody reads the failing one's in the first), so only the failing subscription differs. A third window
/// separates what the failing one costs by its attempts from what its backlog costs by just lying in Azurite: the
/// failing subscription is discarded and an unread queue is filled with as many messages of the same bodies.
/// </summary>
internal sealed class FailingNeighbour(BenchSettings settings, RepoLayout layout, Action<string> phase, Action<string> log)
{
    private const string Healthy = "healthy";
    private const string Failing = "failing";
    private const double RatePerCollection = 50;

    private static string Collection(string id) => $"bench.neighbour.{id}";

    public async Task<NeighbourResult> RunAsync(Azurite azurite)
    {
        var profile = new GeneratorProfile { CommitShare = 1, Collections = [Collection(Healthy), Collection(Failing)] };
        var (emulatorProcess, emulator) = await SubscriptionScale.StartEmulatorAsync(layout, profile);
        await using var emulatorLifetime = emulatorProcess;
        using var emulatorControl = emulator;
        await using var healthy = await BenchReceivers.RequestsAsync();
        await using var failing = await BenchReceivers.RequestsAsync();

        phase("neighbour: one silo, the Api and a consumer");
        await using var cluster = await SubscriptionCluster.StartAsync(layout, settings, azurite.ConnectionString, emulator, 1, healthy.Url);
        await cluster.CreateAsync(Healthy, Collection(Healthy), healthy.Url);
        await Ports.WaitUntilAsync(async () => (await emulator.StatsAsync()).Connections >= 2, TimeSpan.FromSeconds(120), "the healthy subscription's socket");

        phase($"neighbour: healthy alone at {RatePerCollection} events/s");
        var alone = await MeasureAsync(emulator, healthy, profile, "alone");

        // The neighbour's receiver answers 200 first, so the next two windows differ only in its failing.
        await cluster.CreateAsync(Failing, Collection(Failing), failing.Url);
        await Ports.WaitUntilAsync(async () => (await emulator.StatsAsync()).Connections >= 3, TimeSpan.FromSeconds(120), "the neighbour's socket");
        phase($"neighbour: healthy beside a neighbour whose receiver answers 200, both at {RatePerCollection} events/s");
        var besideHealthy = await MeasureAsync(emulator, healthy, profile, "beside a healthy neighbour");

        phase($"neighbour: healthy beside one answering 500, both at {RatePerCollection} events/s");
        failing.Behaviour = new ReceiverBehaviour { StatusCode = 500 };
        failing.Reset();
        var beside = await MeasureAsync(emulator, healthy, profile, "beside a failing one");
        var failingRequests = failing.Stats.Requests;
        var queued = (await new QueueClient(azurite.ConnectionString, "sub-" + Failing).GetPropertiesAsync()).Value.ApproximateMessagesCount;
        log($"neighbour: the failing receiver got {failingRequests} requests (all answered 500); its queue holds about {queued} messages");

        phase($"neighbour: healthy beside an unread backlog of {queued} messages, no failing deliveries");
        var backlog = await FillUnreadBacklogAsync(azurite, queued);
        await cluster.DiscardAsync(Failing);
        var besideBacklog = await MeasureAsync(emulator, healthy, profile, $"beside an unread backlog of {queued} messages");
        await backlog.DeleteIfExistsAsync();

        phase("neighbour: Azurite's receive-and-delete beside 0, 1,000 and 5,000 unread messages (bare loop)");
        var probe = await AzuriteBacklogProbe.RunAsync(azurite.ConnectionString, [0, 1_000, 5_000]);
        foreach (var row in probe)
        {
            log($"neighbour: receive+delete beside {row.Backlog} unread messages: p50 {row.P50:F1} ms, p99 {row.P99:F1} ms");
        }

        return new NeighbourResult(RatePerCollection, settings.NeighbourDuration.TotalSeconds, alone, besideHealthy, beside, failingRequests, queued, besideBacklog, probe);
    }

    /// <summary>A queue nobody reads holding <paramref name="count"/> copies of the failing queue's message bodies.</summary>
    private static async Task<QueueClient> FillUnreadBacklogAsync(Azurite azurite, long count)
    {
        var source = new QueueClient(azurite.ConnectionString, "sub-" + Failing);
        var bodies = (await source.PeekMessagesAsync(32)).Value.Select(m => m.Body.ToString()).ToArray();
        var backlog = new QueueClient(azurite.ConnectionString, "bench-unread-backlog");
        await backlog.CreateIfNotExistsAsync();
        if (bodies.Length == 0)
        {
            return backlog;
        }

        await Parallel.ForEachAsync(
            Enumerable.Range(0, (int)count),
            new ParallelOptions { MaxDegreeOfParallelism = 8 },
            async (i, token) =>
            {
                await backlog.SendMessageAsync(bodies[i % bodies.Length], visibilityTimeout: null, timeToLive: TimeSpan.FromSeconds(-1), token);
            });
        return backlog;
    }

    private async Task<LatencyRun> MeasureAsync(EmulatorControl emulator, WebhookReceiverHost healthy, GeneratorProfile profile, string what)
    {
        await emulator.SetRateAsync(RatePerCollection * 2);
        await Task.Delay(settings.NeighbourWarmup);
        healthy.Reset();
        var before = (await emulator.StatsAsync()).Published;
        await Task.Delay(settings.NeighbourDuration);
        await emulator.SetRateAsync(0);
        var after = (await emulator.StatsAsync()).Published;
        var expected = GeneratedEvents.CommitsByCollection(profile, before, after).GetValueOrDefault(Collection(Healthy))?.Count ?? 0;

        // Let what is in flight arrive, so the slowest events count too.
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        while (healthy.Stats.UniqueIds < expected && DateTime.UtcNow < deadline)
        {
            await Task.Delay(100);
        }

        var latency = healthy.Latency();
        var run = new LatencyRun(expected, healthy.Stats.UniqueIds, latency.P50, latency.P95, latency.P99, latency.Max);
        log($"neighbour, healthy {what}: {run.Delivered} delivered ({run.Expected} published in the window); ms p50 {run.P50:F1} p95 {run.P95:F1} p99 {run.P99:F1} max {run.Max:F1}");
        return run;
    }
}
