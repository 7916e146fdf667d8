using System.Globalization;
using Jetstream.WebhookReceiver;

namespace Jetstream.Bench.Pipeline;

/// <summary>
/// Runs the limit loops as child processes of this program and keeps what they measured, with the CPU the other side
/// (emulator, Azurite, receiver) spent meanwhile, in <see cref="Results.Limits"/> under the limit's name.
/// </summary>
internal sealed class LimitRunner(BenchContext context)
{
    private BenchSettings Settings => context.Settings;

    /// <summary>Limit (a): the bare reader on <paramref name="wire"/> of the stack's emulator.</summary>
    public async Task IngestAsync(ScenarioStack stack, string name, JetstreamWire wire)
    {
        context.Phase($"limit (a) {name}");
        var child = ChildProcess.StartDotnet(name, RepoLayout.SelfDll,
        [
            IngestLimit.Command, $"url={wire.FilteredUri(stack.Control)}", $"wire={wire.Name}",
            $"dictionary={wire.DictionaryPath(context.Layout) ?? "none"}",
            $"warmup={Seconds(TimeSpan.FromSeconds(1))}", $"seconds={Seconds(Settings.LimitDuration)}",
        ]);
        await using (child)
        {
            await Ports.WaitUntilAsync(() => Task.FromResult(child.Output.Contains("CONNECTED")), TimeSpan.FromSeconds(30), "Ingest limit connect", child);
            var window = UsageWindow.Start([("Emulator", stack.Emulator.Sample)]);
            await stack.Control.SetRateAsync(double.PositiveInfinity);
            await FinishAsync(child, name, window);
            await stack.Control.SetRateAsync(0);
        }
    }

    public async Task QueueAsync(Azurite azurite, int eventsPerMessage, bool deflate = false)
    {
        var name = deflate ? "queue-deflate" : eventsPerMessage == 1 ? "queue-single" : "queue-packed";
        context.Phase($"limit (b) {name}");
        var child = ChildProcess.StartDotnet(name, RepoLayout.SelfDll,
        [
            QueueLimit.Command, $"connection={azurite.ConnectionString}", $"queue=bench-limit-{eventsPerMessage}-{Guid.NewGuid().ToString("N")[..6]}",
            $"seconds={Seconds(Settings.LimitDuration)}", $"inflight={Settings.QueueSendsInFlight}", $"maxevents={eventsPerMessage}", $"deflate={(deflate ? "true" : "false")}", "profile=firehose",
        ]);
        await using (child)
        {
            await FinishAsync(child, name, UsageWindow.Start([("Azurite (node)", azurite.Process.Sample)]));
        }
    }

    /// <summary>Limit (c): signed POSTs of <paramref name="eventsPerRequest"/> events each (1: today's body; more: a batch body).</summary>
    public async Task DeliveryAsync(WebhookReceiverHost receiver, string name, int eventsPerRequest)
    {
        context.Phase($"limit (c) {name}");
        receiver.Reset();
        var child = ChildProcess.StartDotnet(name, RepoLayout.SelfDll,
        [
            DeliveryLimit.Command, $"url={receiver.Url}", $"secret={ScenarioStack.WebhookSecret}",
            $"seconds={Seconds(Settings.LimitDuration)}", $"concurrency={Settings.DeliveryConcurrency}", "profile=firehose", $"batch={eventsPerRequest}",
        ]);
        await using (child)
        {
            await FinishAsync(child, name, UsageWindow.Start([("Bench process (receiver)", () => ProcSample.Read(Environment.ProcessId))]));
        }

        if (receiver.Stats.Rejected > 0)
        {
            throw new InvalidOperationException($"The receiver rejected {receiver.Stats.Rejected} requests of limit {name}: its signatures do not match.");
        }
    }

    private async Task FinishAsync(ChildProcess child, string name, UsageWindow window)
    {
        var exit = await child.WaitForExitAsync(Settings.LimitDuration + TimeSpan.FromSeconds(90));
        var usage = window.Stop();
        var result = LimitResult.Parse(child.Output)
            ?? throw new InvalidOperationException($"Limit {name} printed no result (exit {exit}):\n{child.Tail()}");
        context.Results.Limits[name] = result with { Name = name };
        // The loop's own CPU comes from the loop itself: its process is gone by now.
        usage.Add(new HostUsage("limit loop", result.CpuSeconds, result.Seconds, 0, 0));
        context.Results.LimitUsage[name] = usage;
        BenchContext.Log($"limit {name}: {result.EventsPerSecond:F0} events/s" + (result.Messages > 0 && name.StartsWith("queue", StringComparison.Ordinal) ? $", {result.MessagesPerSecond:F0} messages/s" : "")
            + (result.Errors > 0 ? $", {result.Errors} errors" : ""));
        BenchContext.LogUsage(usage);
    }

    private static string Seconds(TimeSpan span) => span.TotalSeconds.ToString(CultureInfo.InvariantCulture);
}
