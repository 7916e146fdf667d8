using Jetstream.WebhookReceiver;
namespace Jetstream.Bench.Pipeline;

/// <summary>
/// Issue 13's sparse stream, the service's real use (a filtered stream idle most of the time): matching events one
/// every <see cref="BenchSettings.SparseInterval"/> from the moment the fresh hosts are up (issue 20), each
/// Jetstream→webhook latency kept; then storage requests of the idle hosts, counted on the wire by
/// <see cref="CountingStorageProxy"/>, and one matching event after that idle spell.
/// </summary>
internal sealed class SparseScenario(BenchContext context)
{
    private static readonly TimeSpan Settle = TimeSpan.FromSeconds(5);

    private BenchSettings Settings => context.Settings;

    public async Task<SparseResult> RunAsync(Azurite azurite)
    {
        var result = await RunOneAsync(azurite, "sparse", Settings.ConsumerEnvironment, sparseEvents: true);
        // The same hosts polling as before wake-on-write, for the idle cost and the first event after idle beside it.
        var before = await RunOneAsync(azurite, "sparse, wake-on-write off", [DeliveryFeatures.WakeOnWriteOff, .. Settings.ConsumerEnvironment], sparseEvents: false);
        return result with { WithoutWake = before };
    }

    private async Task<SparseResult> RunOneAsync(Azurite azurite, string name, string[] consumerEnvironment, bool sparseEvents)
    {
        await using var stack = await ScenarioStack.StartEmulatorAsync(context.Layout, azurite, StreamProfile.Firehose);
        await using var proxy = CountingStorageProxy.Start(azurite.ConnectionString);
        await using var receiver = await BenchReceivers.EventsAsync(trackEvents: true);
        context.Phase($"{name}: pipeline");
        await stack.StartPipelineAsync(receiver.Url, Settings.SiloEnvironment, consumerEnvironment, proxy.ConnectionString);

        // Issue 20: the sparse stream right after the start, as a user meets it after a deploy (fresh hosts, nothing
        // compiled yet); then the wait after it is the consumer's idle state.
        var latency = Percentiles.Of([]);
        if (sparseEvents)
        {
            context.Phase($"{name}: {Settings.SparseEvents} events, one every {Settings.SparseInterval.TotalSeconds:F1} s");
            using (var timer = new PeriodicTimer(Settings.SparseInterval))
            {
                for (var i = 0; i < Settings.SparseEvents; i++)
                {
                    await stack.Control.PublishAsync(1);
                    await timer.WaitForNextTickAsync();
                }
            }

            await WaitForAsync(receiver, Settings.SparseEvents, TimeSpan.FromSeconds(15));
            latency = Percentiles.Of(receiver.Events.LatencyMillis());
            BenchContext.Log($"{name}: {latency.Count} of {Settings.SparseEvents} delivered; ms p50 {latency.P50:F1} p95 {latency.P95:F1} p99 {latency.P99:F1} max {latency.Max:F1}");
        }

        if (!sparseEvents)
        {
            // A few events first, so the path is warm (JIT, connections) and the wait after it is the consumer's idle state.
            await stack.Control.PublishAsync(3);
            await WaitForAsync(receiver, 3, TimeSpan.FromSeconds(30));
        }

        await Task.Delay(Settle);

        context.Phase($"{name}: {Settings.SparseIdle.TotalSeconds:F0} s idle");
        var requestsBefore = proxy.Requests;
        var window = UsageWindow.Start(stack.Hosts().Where(h => h.Name is "Silo" or "WebhookConsumer" || h.Name.StartsWith("Azurite", StringComparison.Ordinal)));
        await Task.Delay(Settings.SparseIdle);
        var idleRequests = proxy.Requests - requestsBefore;
        var idleUsage = window.Stop();
        var idleSeconds = window.Elapsed.TotalSeconds;
        BenchContext.Log($"{name}: idle {idleSeconds:F0} s, storage requests/s blob {idleRequests.Blob / idleSeconds:F2}, queue {idleRequests.Queue / idleSeconds:F2}, table {idleRequests.Table / idleSeconds:F2}");

        receiver.Reset();
        await stack.Control.PublishAsync(1);
        await WaitForAsync(receiver, 1, TimeSpan.FromSeconds(30));
        var afterIdle = Percentiles.Of(receiver.Events.LatencyMillis()).Max;
        BenchContext.Log($"{name}: one event after {Settings.SparseIdle.TotalSeconds:F0} s idle delivered in {afterIdle:F1} ms");

        return new SparseResult
        {
            Latency = latency,
            Published = sparseEvents ? Settings.SparseEvents : 0,
            AfterIdleMs = afterIdle,
            IdleSeconds = idleSeconds,
            IdleRequests = idleRequests,
            IdleUsage = idleUsage,
        };
    }

    /// <summary>Waits until <paramref name="events"/> distinct events have arrived, or <paramref name="timeout"/>: the report tells the count.</summary>
    public static async Task WaitForAsync(WebhookReceiverHost receiver, long events, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (receiver.Stats.UniqueEvents < events && DateTime.UtcNow < deadline)
        {
            await Task.Delay(5);
        }
    }
}
