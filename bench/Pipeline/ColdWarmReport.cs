namespace Jetstream.Bench.Pipeline;

/// <summary>Issue 20's section: each delivery mode and event mix from fresh hosts, its first window (cold), the whole run and its last window (warm).</summary>
internal sealed class ColdWarmReport(Results results, BenchSettings settings) : SectionWriter(results, settings)
{
    public const string Heading = "## Cold and warm: from fresh hosts (issue 20)";

    private const double BatchedWholeTarget = 15_000;
    private const double BatchedWarmTarget = 30_000;
    private const double SingleWholeTarget = 8_000;

    public string ToMarkdown(bool standalone)
    {
        var runs = Results.ColdWarm;
        if (runs.Count == 0 && !Results.Errors.ContainsKey("coldwarm"))
        {
            return "";
        }

        Header(Heading, standalone, phase => phase.StartsWith("coldwarm:", StringComparison.Ordinal));
        if (Results.Errors.TryGetValue("coldwarm", out var error))
        {
            Line($"**Not (all) measured: {error}**");
            Line();
        }

        if (runs.Count == 0)
        {
            return Text();
        }

        var cold = Settings.ColdWindow.TotalSeconds;
        var whole = Settings.ColdWarmDuration.TotalSeconds;
        Line($"Each row's hosts are new processes (`{string.Join("`, `", runs[0].Settings)}`), started as the bench runs them " +
             $"({(Results.HostsDirectory is { } hosts ? $"published, from `{hosts}`" : "from their build output")}). The feed is unpaced from the moment " +
             $"the processor is subscribed and the consumer polls: **cold** is its first {cold:F0} s, **whole** the whole {whole:F0} s, **warm** its last {cold:F0} s. " +
             "Mixes: `capture` is capture-152.jsonl looped (each pass with new revs, so new event ids; 150 commits of 9 collections, the processor takes every collection); " +
             "`nonascii` is generated posts whose texts all have a non-ASCII character (every event travels base64 in the queue). " +
             "CPU µs per delivered event is the host's CPU (`/proc`) in the window over the events delivered in it; JIT is each host's " +
             "`dotnet.jit.compilation.time` (the runtime's wall-clock timer: on a loaded machine it counts a compiling thread's waits for a core, so it can exceed the host's CPU) " +
             "and compiled methods in the window, and the CPU of its tiered-compilation thread (`.NET Tiered Com`, the tier-1 recompiles); load is the 1-minute load average at the window's two ends.");
        Line();

        var batched = runs.Where(r => r.Mode.StartsWith("batches", StringComparison.Ordinal)).ToList();
        var single = runs.Where(r => !r.Mode.StartsWith("batches", StringComparison.Ordinal)).ToList();
        var rows = new List<string[]>();
        if (batched.Count > 0)
        {
            rows.Add([$"Batched, whole run from fresh hosts: ≥ {BatchedWholeTarget:N0}/s", Rates(batched, r => r.Whole), Met(batched.All(r => r.Whole.DeliveredPerSecond >= BatchedWholeTarget))]);
            rows.Add([$"Batched, warm: ≥ {BatchedWarmTarget:N0}/s", Rates(batched, r => r.Warm), Met(batched.All(r => r.Warm.DeliveredPerSecond >= BatchedWarmTarget))]);
        }

        if (single.Count > 0)
        {
            rows.Add([$"One request per event, fresh hosts (whole run): ≥ {SingleWholeTarget:N0}/s", Rates(single, r => r.Whole), Met(single.All(r => r.Whole.DeliveredPerSecond >= SingleWholeTarget))]);
        }

        Table(["Target (issue 20)", "Measured", "Met"], rows);

        Table(
            ["Mode", "Mix", "Window", "Delivered/s", "Silo µs", "Consumer µs", "Silo + consumer µs", "Silo JIT s (methods)", "Consumer JIT s (methods)", "Tier-1 thread CPU s, Silo / consumer", "Load"],
            runs.SelectMany(r => new[] { r.Cold, r.Whole, r.Warm }.Select(w => new[]
            {
                r.Mode, r.Mix, $"{w.Name} ({w.From:F0}–{w.To:F0} s)", F0(w.DeliveredPerSecond),
                F1(w.MicrosPerEvent("Silo")), F1(w.MicrosPerEvent("WebhookConsumer")), F1(w.MicrosPerEvent("Silo", "WebhookConsumer")),
                $"{w.Jit.SiloSeconds:F2} ({w.Jit.SiloMethods:N0})", $"{w.Jit.ConsumerSeconds:F2} ({w.Jit.ConsumerMethods:N0})",
                $"{w.Jit.SiloTieringCpu:F2} / {w.Jit.ConsumerTieringCpu:F2}", w.Load,
            })));

        Line($"The same work from fresh hosts whatever the machine's load: each host's CPU from its start until the first {BenchSettings.FirstEvents:N0} events were delivered " +
             "(start-up included), and the CPU those events would take warm (the warm window's µs per event):");
        Line();
        Table(
            ["Mode", "Mix", "Feed s until then", "Silo CPU s", "Silo warm-equivalent s", "Consumer CPU s", "Consumer warm-equivalent s"],
            runs.Select(r => new[]
            {
                r.Mode, r.Mix, r.FirstEventsSeconds is { } s ? F1(s) : "not reached",
                F1(r.FirstEventsSiloCpu ?? double.NaN), F1(r.Warm.MicrosPerEvent("Silo") * BenchSettings.FirstEvents / 1e6),
                F1(r.FirstEventsConsumerCpu ?? double.NaN), F1(r.Warm.MicrosPerEvent("WebhookConsumer") * BenchSettings.FirstEvents / 1e6),
            }));

        Line("Start-up, before the feed (process start until the processor is subscribed and the consumer polls): " +
             string.Join("; ", runs.Select(r => $"{r.Mode}, {r.Mix}: {r.StartupSeconds:F1} s, CPU Silo {r.SiloStartupCpu:F1} s and consumer {r.ConsumerStartupCpu:F1} s")) + ". " +
             "Events queued but not delivered at the end: " + string.Join(", ", runs.Select(r => $"{r.Mode} {r.Mix} {r.BacklogAtEnd:N0}")) + ".");
        Line();
        return Text();
    }

    private static string Rates(List<ColdWarmResult> runs, Func<ColdWarmResult, ColdWarmWindow> window) =>
        string.Join(", ", runs.Select(r => $"{r.Mix} {window(r).DeliveredPerSecond:N0}/s"));
}
