using System.Text.Json;
using Jetstream.Emulator;

namespace Jetstream.Bench.Pipeline;

/// <summary>
/// Issue 13's fault-free run: 150 events/s, 45 % of them matching commits of many DIDs, no receiver failure, no restart.
/// Every event must arrive exactly once: counted by <c>webhook-id</c> (a request repeated) and by event (a copy in any
/// request).
/// </summary>
internal sealed class DuplicatesScenario(BenchContext context)
{
    public const double Rate = 150;

    public async Task<DuplicatesResult> RunAsync(Azurite azurite)
    {
        var settings = context.Settings;
        await using var stack = await ScenarioStack.StartEmulatorAsync(context.Layout, azurite, StreamProfile.Duplicates);
        await using var receiver = await BenchReceivers.EventsAsync(trackEvents: true);
        context.Phase("duplicates: pipeline");
        await stack.StartPipelineAsync(receiver.Url, settings.SiloEnvironment, settings.ConsumerEnvironment);
        var queuedBefore = (await stack.Probe!.StatsAsync()).QueuedEvents;
        var publishedBefore = (await stack.Control.StatsAsync()).Published;
        receiver.Reset();
        context.Phase($"duplicates: {Rate:F0} events/s for {settings.DuplicatesDuration.TotalSeconds:F0} s");
        await stack.Control.SetRateAsync(Rate);
        await Task.Delay(settings.DuplicatesDuration);
        await stack.Control.SetRateAsync(0);
        var published = (await stack.Control.StatsAsync()).Published;

        var queued = await OutageScenario.SettledQueuedAsync(stack) - queuedBefore;
        await SparseScenario.WaitForAsync(receiver, queued, TimeSpan.FromSeconds(30));
        // Copies of a message delivered again come late: give them the time a retried delivery would take to show.
        await Task.Delay(TimeSpan.FromSeconds(3));
        var counts = receiver.Stats;
        var result = new DuplicatesResult
        {
            Rate = Rate,
            Seconds = settings.DuplicatesDuration.TotalSeconds,
            Queued = queued,
            DeliveredUnique = counts.UniqueEvents,
            RepeatedIds = counts.Duplicates,
            RepeatedEvents = receiver.Events.Repeats,
            Dids = DistinctDids(publishedBefore, published),
        };
        BenchContext.Log($"duplicates: {result.DeliveredUnique} of {result.Queued} queued delivered, {result.RepeatedIds} requests with a repeated webhook-id, " +
            $"{result.RepeatedEvents} events delivered again, {result.Dids} DIDs");
        return result;
    }

    /// <summary>Distinct DIDs of the matching commits the emulator published (its generator replayed: it is deterministic).</summary>
    private static int DistinctDids(long from, long to)
    {
        var generator = new EventGenerator(StreamProfile.Seed, StreamProfile.Duplicates.ToGeneratorProfile());
        var dids = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0L; i < to; i++)
        {
            var json = generator.NextUtf8();
            if (i < from)
            {
                continue;
            }

            using var document = JsonDocument.Parse(json);
            if (document.RootElement.GetProperty("kind").GetString() == "commit")
            {
                dids.Add(document.RootElement.GetProperty("did").GetString()!);
            }
        }

        return dids.Count;
    }
}
