namespace Jetstream.Bench.Pipeline;

/// <summary>
/// Issue 13's firehose runs, each with the delivery limit (c) that fits it: in batches of
/// <see cref="DeliveryFeatures.BatchEvents"/> (limit (c) posting batch bodies of as many events), then paced at
/// <see cref="BenchSettings.PacedRates"/> on the same hosts, for the cost per event against the rate; and one event per
/// request (limit (c) as in issue 6). Both write queue message version 2.
/// </summary>
internal sealed class DeliveryScenarios(BenchContext context)
{
    public const string BatchedLimit = "delivery-batched";
    public const string SingleLimit = "delivery-single";

    private BenchSettings Settings => context.Settings;

    public async Task<FirehoseDeliveryResult> RunBatchedAsync(Azurite azurite)
    {
        await using var receiver = await EventReceiver.StartAsync(trackEvents: false);
        await context.Limits.DeliveryAsync(receiver, BatchedLimit, DeliveryFeatures.BatchEvents);
        return await RunAsync(azurite, receiver, "batched", DeliveryFeatures.BatchEvents, Settings.PacedRates);
    }

    public async Task<FirehoseDeliveryResult> RunSingleAsync(Azurite azurite)
    {
        await using var receiver = await EventReceiver.StartAsync(trackEvents: false);
        // Issue 6's limit (c) again, against this receiver: it counts events as the batched run's does.
        await context.Limits.DeliveryAsync(receiver, SingleLimit, 1);

        return await RunAsync(azurite, receiver, "single", 1, []);
    }

    private async Task<FirehoseDeliveryResult> RunAsync(Azurite azurite, EventReceiver receiver, string name, int batchEvents, double[] pacedRates)
    {
        await using var stack = await ScenarioStack.StartEmulatorAsync(context.Layout, azurite, StreamProfile.Firehose);
        string[] silo = [.. DeliveryFeatures.Silo(messageVersion2: true), .. Settings.SiloEnvironment];
        string[] consumer = [.. DeliveryFeatures.Consumer(batchEvents), .. Settings.ConsumerEnvironment];
        context.Phase($"{name}: pipeline, {(batchEvents > 1 ? $"batches of {batchEvents}" : "one event per request")}, message version 2");
        await stack.StartPipelineAsync(receiver.Url, silo, consumer);
        var maximum = await ThroughputRun.MeasureAsync(stack, azurite, receiver, $"{name} unpaced", Settings.DeliveryDuration, double.PositiveInfinity,
            costPerDelivered: true, Settings.Warmup);
        var paced = new List<ThroughputResult>();
        foreach (var rate in pacedRates)
        {
            context.Phase($"{name}: paced at {rate:F0} events/s");
            // Let the unpaced run's backlog drain first, so the window's deliveries are the window's events.
            await DrainAsync(stack, receiver);
            paced.Add(await ThroughputRun.MeasureAsync(stack, azurite, receiver, $"{name} at {rate:F0}/s", Settings.PacedDuration, rate,
                costPerDelivered: true, Settings.PacedWarmup));
        }

        return new FirehoseDeliveryResult(batchEvents, true, [.. silo.Select(s => "Silo " + s), .. consumer.Select(c => "WebhookConsumer " + c)], maximum, paced);
    }

    /// <summary>Waits until no delivery happens for 2 s (at most 60 s): the queue is empty or the consumer stuck.</summary>
    private static async Task DrainAsync(ScenarioStack stack, EventReceiver receiver)
    {
        var deadline = DateTime.UtcNow.AddSeconds(60);
        var last = receiver.Counts.Events;
        var quietSince = DateTime.UtcNow;
        while (DateTime.UtcNow < deadline && DateTime.UtcNow - quietSince < TimeSpan.FromSeconds(2))
        {
            await Task.Delay(250);
            var now = receiver.Counts.Events;
            if (now != last)
            {
                (last, quietSince) = (now, DateTime.UtcNow);
            }
        }

        BenchContext.Log($"drained: {(await stack.Probe!.StatsAsync()).QueuedEvents} queued in all");
    }
}
