using Azure.Storage.Queues;
using Jetstream.WebhookReceiver;

namespace Jetstream.Bench.Pipeline;

/// <summary>
/// Issue 13's firehose runs, each with the delivery limit (c) that fits it: in batches of
/// <see cref="DeliveryFeatures.BatchEvents"/> (limit (c) posting batch bodies of as many events), then paced at
/// <see cref="BenchSettings.PacedRates"/> on the same hosts, for the cost per event against the rate; and one event per
/// request (limit (c) as in issue 6). Both read v1 uncompressed and write queue message version 2.
/// </summary>
internal sealed class DeliveryScenarios(BenchContext context)
{
    public const string BatchedLimit = "delivery-batched";
    public const string SingleLimit = "delivery-single";

    private BenchSettings Settings => context.Settings;

    public async Task<FirehoseDeliveryResult> RunBatchedAsync(Azurite azurite)
    {
        await using var receiver = await BenchReceivers.EventsAsync(trackEvents: false);
        await context.Limits.DeliveryAsync(receiver, BatchedLimit, DeliveryFeatures.BatchEvents);
        return await RunAsync(azurite, receiver, "batched", DeliveryFeatures.BatchEvents, Settings.PacedRates);
    }

    public async Task<FirehoseDeliveryResult> RunSingleAsync(Azurite azurite)
    {
        await using var receiver = await BenchReceivers.EventsAsync(trackEvents: false);
        // Issue 6's limit (c) again, against this receiver: it counts events as the batched run's does.
        await context.Limits.DeliveryAsync(receiver, SingleLimit, 1);

        return await RunAsync(azurite, receiver, "single", 1, []);
    }

    private async Task<FirehoseDeliveryResult> RunAsync(Azurite azurite, WebhookReceiverHost receiver, string name, int batchEvents, double[] pacedRates)
    {
        await using var stack = await ScenarioStack.StartEmulatorAsync(context.Layout, azurite, StreamProfile.Firehose);
        // v1 uncompressed, as issue 6's firehose: on a zstd wire the emulator's compression takes a share of the same two cores.
        string[] silo = ["Jetstream__Compress=false", .. DeliveryFeatures.Silo(messageVersion2: true), .. Settings.SiloEnvironment];
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
            await DrainAsync(stack, azurite);
            paced.Add(await ThroughputRun.MeasureAsync(stack, azurite, receiver, $"{name} at {rate:F0}/s", Settings.PacedDuration, rate,
                costPerDelivered: true, Settings.PacedWarmup));
        }

        return new FirehoseDeliveryResult(batchEvents, true, [.. silo.Select(s => "Silo " + s), .. consumer.Select(c => "WebhookConsumer " + c)], maximum, paced);
    }

    /// <summary>
    /// Waits, at most 2 minutes in all, until the emulator has sent everything it published (an unpaced feed publishes
    /// ahead of the reader, into the connection's outbox), the processor has queued what it read, and the queue is
    /// empty (a message is deleted once delivered): a paced window that began with a backlog would count the backlog
    /// as its own.
    /// </summary>
    private static async Task DrainAsync(ScenarioStack stack, Azurite azurite)
    {
        var deadline = DateTime.UtcNow.AddMinutes(2);
        var sent = -1L;
        while (await stack.Control.StatsAsync() is var emulator && emulator.Sent < emulator.Published && emulator.Sent != sent && DateTime.UtcNow < deadline)
        {
            // Stops when everything is sent, or when nothing more goes out (a filter the emulator applies keeps the rest).
            sent = emulator.Sent;
            await Task.Delay(1000);
        }

        await OutageScenario.SettledQueuedAsync(stack);
        var queue = new QueueClient(azurite.ConnectionString, stack.QueueName);
        int messages;
        while ((messages = (await queue.GetPropertiesAsync()).Value.ApproximateMessagesCount) > 0 && DateTime.UtcNow < deadline)
        {
            await Task.Delay(250);
        }

        BenchContext.Log($"drained: {messages} messages left in the queue");
    }
}
