using System.Diagnostics;
using Jetstream.WebhookReceiver;

namespace Jetstream.Bench.Pipeline;

/// <summary>
/// Issue 20: what a user meets after a deploy, a failover or a restart. For each delivery mode (batches of
/// <see cref="DeliveryFeatures.BatchEvents"/>, one event per request) and each event mix (the real capture looped, and
/// synthetic posts whose texts are all non-ASCII, so every event travels base64 in the queue): new hosts, the feed
/// unpaced from the moment the pipeline is up, and the first <see cref="BenchSettings.ColdWindow"/> (cold), the whole
/// <see cref="BenchSettings.ColdWarmDuration"/> and its last <see cref="BenchSettings.ColdWindow"/> (warm) reported apart.
/// </summary>
internal sealed class ColdWarmScenario(BenchContext context)
{
    private BenchSettings Settings => context.Settings;

    public async Task RunAsync(Azurite azurite)
    {
        await using var receiver = await BenchReceivers.EventsAsync(trackEvents: false);
        foreach (var batchEvents in new[] { DeliveryFeatures.BatchEvents, 1 }.Where(b => Settings.ColdWarmModes.Length == 0 || Settings.ColdWarmModes.Contains(b > 1 ? "batched" : "single")))
        {
            foreach (var mix in new[] { StreamProfile.Capture(context.Layout), StreamProfile.NonAscii }.Where(m => Settings.ColdWarmMixes.Length == 0 || Settings.ColdWarmMixes.Contains(m.Name)))
            {
                context.Results.ColdWarm.Add(await RunOneAsync(azurite, receiver, batchEvents, mix));
            }
        }
    }

    private async Task<ColdWarmResult> RunOneAsync(Azurite azurite, WebhookReceiverHost receiver, int batchEvents, StreamProfile mix)
    {
        var mode = batchEvents > 1 ? $"batches of {batchEvents}" : "one per request";
        await using var stack = await ScenarioStack.StartEmulatorAsync(context.Layout, azurite, mix);
        string[] silo = ["Jetstream__Compress=false", .. DeliveryFeatures.Silo(messageVersion2: true), .. Settings.SiloEnvironment];
        string[] consumer = [.. DeliveryFeatures.Consumer(batchEvents), .. Settings.ConsumerEnvironment];
        context.Phase($"coldwarm: {mode}, {mix.Name}: fresh hosts");
        receiver.Reset();
        var started = Stopwatch.StartNew();
        await stack.StartPipelineAsync(receiver.Url, silo, consumer);
        var startupSeconds = started.Elapsed.TotalSeconds;
        var siloStartup = stack.Silo!.Sample().CpuSeconds;
        var consumerStartup = stack.Consumer!.Sample().CpuSeconds;

        var clock = Stopwatch.StartNew();
        var start = await ColdWarmSnapshot.TakeAsync(stack, receiver, 0);
        await stack.Control.SetRateAsync(double.PositiveInfinity);
        using var stop = new CancellationTokenSource();
        var firstEvents = FirstEventsAsync(stack, receiver, clock, stop.Token);
        var cold = await SnapshotAtAsync(stack, receiver, clock, Settings.ColdWindow);
        var warmStart = await SnapshotAtAsync(stack, receiver, clock, Settings.ColdWarmDuration - Settings.ColdWindow);
        var end = await SnapshotAtAsync(stack, receiver, clock, Settings.ColdWarmDuration);
        await stop.CancelAsync();
        var first = await firstEvents;
        await stack.Control.SetRateAsync(0);
        var backlog = Math.Max(0, (await stack.Probe!.StatsAsync()).QueuedEvents - receiver.Stats.Events);

        var result = new ColdWarmResult(
            mode, mix.Name, [.. silo.Select(s => "Silo " + s), .. consumer.Select(c => "WebhookConsumer " + c)],
            siloStartup, consumerStartup, startupSeconds,
            cold.Since(start, "cold"), end.Since(start, "whole"), end.Since(warmStart, "warm"), backlog)
        {
            FirstEventsSeconds = first?.Seconds,
            FirstEventsSiloCpu = first?.Silo,
            FirstEventsConsumerCpu = first?.Consumer,
        };
        foreach (var window in new[] { result.Cold, result.Whole, result.Warm })
        {
            BenchContext.Log($"coldwarm {mode}, {mix.Name}, {window.Name} {window.From:F0}-{window.To:F0} s: delivered {window.DeliveredPerSecond:F0}/s; " +
                $"µs/event Silo {window.MicrosPerEvent("Silo"):F1}, consumer {window.MicrosPerEvent("WebhookConsumer"):F1}; " +
                $"JIT Silo {window.Jit.SiloSeconds:F2} s ({window.Jit.SiloMethods} methods), consumer {window.Jit.ConsumerSeconds:F2} s ({window.Jit.ConsumerMethods}); load {window.Load}");
        }

        BenchContext.Log($"coldwarm {mode}, {mix.Name}: the first {BenchSettings.FirstEvents:N0} events delivered after {first?.Seconds:F1} s of feed; CPU since each host's start: Silo {first?.Silo:F2} s, consumer {first?.Consumer:F2} s");
        BenchContext.Log($"coldwarm {mode}, {mix.Name}: start-up {startupSeconds:F1} s, CPU Silo {siloStartup:F2} s, consumer {consumerStartup:F2} s; backlog at the end {backlog:N0}");
        return result;
    }

    /// <summary>
    /// The CPU each host has used since it started, when the receiver has the first <see cref="BenchSettings.FirstEvents"/>
    /// events: the cost of a fixed amount of work from fresh hosts, whatever rate the machine allowed (null if not reached).
    /// </summary>
    private static async Task<(double Seconds, double Silo, double Consumer)?> FirstEventsAsync(ScenarioStack stack, WebhookReceiverHost receiver, Stopwatch clock, CancellationToken stop)
    {
        using var timer = new PeriodicTimer(TimeSpan.FromMilliseconds(100));
        try
        {
            while (await timer.WaitForNextTickAsync(stop))
            {
                if (receiver.Stats.Events >= BenchSettings.FirstEvents)
                {
                    return (clock.Elapsed.TotalSeconds, stack.Silo!.Sample().CpuSeconds, stack.Consumer!.Sample().CpuSeconds);
                }
            }
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested)
        {
        }

        return null;
    }

    private static async Task<ColdWarmSnapshot> SnapshotAtAsync(ScenarioStack stack, WebhookReceiverHost receiver, Stopwatch clock, TimeSpan at)
    {
        var wait = at - clock.Elapsed;
        if (wait > TimeSpan.Zero)
        {
            await Task.Delay(wait);
        }

        return await ColdWarmSnapshot.TakeAsync(stack, receiver, clock.Elapsed.TotalSeconds);
    }
}
