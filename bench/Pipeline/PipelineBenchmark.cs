using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Azure.Storage.Queues;
using Jetstream.Emulator;
using Jetstream.WebhookReceiver;

namespace Jetstream.Bench.Pipeline;

/// <summary>
/// The whole run: micro-benchmarks, then per scenario its limits and the pipeline (emulator, Silo, WebhookConsumer as
/// processes; the receiver in this process), then docs/performance.md.
/// </summary>
internal sealed class PipelineBenchmark(BenchSettings settings, RepoLayout layout)
{
    private readonly BenchContext _context = new(settings, layout, new Results());

    public static async Task<int> RunAsync(BenchSettings settings)
    {
        ChildProcess.LogDirectory = settings.KeepLogs;
        var layout = RepoLayout.Find(settings.HostsDirectory);
        var benchmark = new PipelineBenchmark(settings, layout);
        await benchmark.RunAllAsync();
        return 0;
    }

    private async Task RunAllAsync()
    {
        var total = Stopwatch.StartNew();
        _context.Results.Machine = MachineInfo.Read(layout.Root);
        _context.Results.SiloGc = SiloGcMode();
        _context.Results.HostsDirectory = layout.HostsDirectory;
        Log($"Machine: {_context.Results.Machine.CpuModel}, {_context.Results.Machine.Cores} cores; commit {_context.Results.Machine.Commit[..Math.Min(10, _context.Results.Machine.Commit.Length)]}");

        if (settings.RunMicro && (!settings.OnlySections || settings.Runs("wires")))
        {
            // Run alone, the wires need only the per-wire read rows of the micro-benchmarks.
            await RunMicroAsync(settings.OnlySections ? "*NonMatchingV*" : "*");
        }

        await using var azurite = await Azurite.StartAsync(layout, settings.AzuriteInMemory);
        try
        {
            await RunScenariosAsync(azurite, total);
        }
        catch (Exception) when (azurite.Process.HasExited)
        {
            // A failure downstream of a dead Azurite says "connection refused"; say why Azurite is gone instead.
            Log($"Azurite (pid {azurite.Process.Pid}) exited; its last output:\n{azurite.Process.Tail(40)}");
            throw;
        }
    }

    private async Task RunScenariosAsync(Azurite azurite, Stopwatch total)
    {
        await using var receiver = await BenchReceivers.RequestsAsync();
        Log($"Azurite up; receiver on {receiver.Url}");

        _context.Results.Firehose = settings.Runs("firehose") ? await RunFirehoseAsync(azurite, receiver) : null;
        _context.Results.Seed = settings.Runs("seed") ? await RunSeedAsync(azurite, receiver) : null;
        _context.Results.Latency = settings.Runs("latency") ? await RunLatencyAsync(azurite, receiver) : null;
        await RunIssue12And13Async(azurite, receiver);
        _context.Results.Subscriptions = settings.Runs("subscriptions") ? await RunSubscriptionsAsync(azurite) : null;

        _context.Results.Total = total.Elapsed;
        var path = settings.ReportPath ?? layout.ReportPath;
        var existing = File.Exists(path) ? await File.ReadAllTextAsync(path) : "# Performance\n";
        await File.WriteAllTextAsync(path, settings.OnlySections
            ? ReportSections.Splice(existing, _context.Results, settings)
            : ReportSections.KeepNotRun(new Report(_context.Results, settings).ToMarkdown(), existing, _context.Results, settings));
        Log($"Wrote {path} after {total.Elapsed.TotalMinutes:F1} min.");
        Console.WriteLine();
        Console.WriteLine(new Report(_context.Results, settings).Summary());
    }

    /// <summary>Issues 12 and 13, each scenario on hosts of its own; one that fails is reported as not measured and the rest still run.</summary>
    private async Task RunIssue12And13Async(Azurite azurite, WebhookReceiverHost receiver)
    {
        var results = _context.Results;
        var delivery = new DeliveryScenarios(_context);
        (string Name, Func<Task> Run)[] scenarios =
        [
            ("wires", () => new WireScenarios(_context).RunAsync(azurite, receiver)),
            ("batched", async () => results.Batched = await delivery.RunBatchedAsync(azurite)),
            ("single", async () => results.Single = await delivery.RunSingleAsync(azurite)),
            ("coldwarm", () => new ColdWarmScenario(_context).RunAsync(azurite)),
            ("sparse", async () => results.Sparse = await new SparseScenario(_context).RunAsync(azurite)),
            ("outage", () => new OutageScenario(_context).RunAsync(azurite)),
            ("duplicates", async () => results.Duplicates = await new DuplicatesScenario(_context).RunAsync(azurite)),
            ("backfill", () => new BackfillScenario(_context).RunAsync(azurite)),
        ];
        foreach (var (name, run) in scenarios.Where(s => settings.Runs(s.Name)))
        {
            try
            {
                await run();
            }
            catch (Exception ex) when (!azurite.Process.HasExited)
            {
                Log($"{name} failed: {ex}");
                results.Errors[name] = ex.Message.Split('\n')[0];
            }
        }
    }

    /// <summary>Issue 11: scale, failover and a failing neighbour; a part that fails is reported as missing, the rest still are.</summary>
    private async Task<SubscriptionResults> RunSubscriptionsAsync(Azurite azurite)
    {
        var scale = new SubscriptionScale(settings, layout, Phase, Log);
        var results = scale.Results;
        try
        {
            results = await scale.RunAsync(azurite);
        }
        catch (Exception ex)
        {
            Log($"subscriptions: scale run failed: {ex}");
            results = scale.Results;
            results.Errors.Add("Scale and failover: " + ex.Message.Split('\n')[0]);
        }

        try
        {
            return results with { Neighbour = await new FailingNeighbour(settings, layout, Phase, Log).RunAsync(azurite) };
        }
        catch (Exception ex)
        {
            Log($"subscriptions: failing-neighbour run failed: {ex}");
            results.Errors.Add("Failing neighbour: " + ex.Message.Split('\n')[0]);
            return results;
        }
    }

    private async Task<ThroughputResult> RunFirehoseAsync(Azurite azurite, WebhookReceiverHost receiver)
    {
        await using var stack = await ScenarioStack.StartEmulatorAsync(layout, azurite, StreamProfile.Firehose);
        await _context.Limits.IngestAsync(stack, "ingest-firehose", JetstreamWire.V1Plain);
        await _context.Limits.QueueAsync(azurite, 1);
        await _context.Limits.QueueAsync(azurite, settings.MaxEventsPerMessage);
        await _context.Limits.QueueAsync(azurite, settings.MaxEventsPerMessage, deflate: true);
        await _context.Limits.DeliveryAsync(receiver, "delivery", 1);
        return await RunThroughputAsync(stack, azurite, receiver, settings.FirehoseDuration);
    }

    private async Task<ThroughputResult> RunSeedAsync(Azurite azurite, WebhookReceiverHost receiver)
    {
        await using var stack = await ScenarioStack.StartEmulatorAsync(layout, azurite, StreamProfile.SeedProfile);
        await _context.Limits.IngestAsync(stack, "ingest-seed", JetstreamWire.V1Plain);
        return await RunThroughputAsync(stack, azurite, receiver, settings.SeedDuration);
    }

    /// <summary>The emulator unpaced (as fast as the processor reads), the whole pipeline running, for <paramref name="duration"/>.</summary>
    private async Task<ThroughputResult> RunThroughputAsync(ScenarioStack stack, Azurite azurite, WebhookReceiverHost receiver, TimeSpan duration)
    {
        Phase($"{stack.Profile.Name}: pipeline");
        await stack.StartPipelineAsync(receiver.Url, Issue6SiloEnvironment(stack), settings.ConsumerEnvironment);
        return await ThroughputRun.MeasureAsync(stack, azurite, receiver, stack.Profile.Name, duration, double.PositiveInfinity,
            costPerDelivered: stack.Profile == StreamProfile.Firehose, settings.Warmup);
    }

    private async Task<LatencyResult> RunLatencyAsync(Azurite azurite, WebhookReceiverHost receiver)
    {
        await using var stack = await ScenarioStack.StartEmulatorAsync(layout, azurite, StreamProfile.Latency);
        Phase("latency: pipeline");
        await stack.StartPipelineAsync(receiver.Url, Issue6SiloEnvironment(stack), settings.ConsumerEnvironment);
        await stack.Control.SetRateAsync(settings.LatencyRate);
        await Task.Delay(settings.Warmup);

        ResetPeaks(azurite, stack.Emulator);
        var probe = stack.Probe!;
        receiver.Reset();
        var queuedBefore = (await probe.StatsAsync()).QueuedEvents;
        var writesBefore = await stack.QueueWritesAsync();
        var publishedBefore = (await stack.Control.StatsAsync()).Published;
        var window = UsageWindow.Start(stack.Hosts());
        await Task.Delay(settings.LatencyDuration);
        await stack.Control.SetRateAsync(0);
        var offered = ((await stack.Control.StatsAsync()).Published - publishedBefore) / window.Elapsed.TotalSeconds;
        var seconds = window.Elapsed.TotalSeconds;

        // Let what is in flight arrive, so the slowest events count too.
        var queued = 0L;
        var drainDeadline = DateTime.UtcNow.AddSeconds(15);
        while (DateTime.UtcNow < drainDeadline)
        {
            queued = (await probe.StatsAsync()).QueuedEvents - queuedBefore;
            if (receiver.Stats.UniqueIds >= queued)
            {
                break;
            }

            await Task.Delay(100);
        }

        var usage = window.Stop();
        var writes = await stack.QueueWritesAsync() - writesBefore;
        var latency = receiver.Latency();
        var delivered = receiver.Stats.UniqueIds;
        Log($"latency: offered {offered:F0}/s, queued {queued}, delivered {delivered}; ms p50 {latency.P50:F1} p95 {latency.P95:F1} p99 {latency.P99:F1} max {latency.Max:F1}");
        Log($"latency: {writes} queue messages written, {(writes == 0 ? 0 : queued / (double)writes):F2} events per message");
        LogUsage(usage);

        Phase("latency: idle probe");
        await Task.Delay(settings.IdleBeforeProbe);
        receiver.Reset();
        var published = (await stack.Control.StatsAsync()).Published;
        await stack.Control.PublishAsync(EventsUpToNextCommit(published));
        var probeDeadline = DateTime.UtcNow.AddSeconds(30);
        while (receiver.Stats.Delivered == 0 && DateTime.UtcNow < probeDeadline)
        {
            await Task.Delay(5);
        }

        var afterIdle = receiver.Stats.Delivered > 0 ? receiver.Latency().Max : double.NaN;
        Log($"latency: one event after {settings.IdleBeforeProbe.TotalSeconds:F0} s idle delivered in {afterIdle:F1} ms");
        return new LatencyResult
        {
            OfferedPerSecond = offered,
            Seconds = seconds,
            Delivered = delivered,
            Queued = queued,
            P50 = latency.P50,
            P95 = latency.P95,
            P99 = latency.P99,
            Max = latency.Max,
            AfterIdleMs = afterIdle,
            Usage = usage,
            EventsPerMessage = writes == 0 ? 0 : queued / (double)writes,
        };
    }

    /// <summary>
    /// How many events the emulator's feed must publish so that the last one is a commit: its generator is deterministic,
    /// so replaying the same seed and profile past the <paramref name="published"/> events already drawn tells.
    /// </summary>
    private static int EventsUpToNextCommit(long published)
    {
        var generator = new EventGenerator(StreamProfile.Seed, StreamProfile.Latency.ToGeneratorProfile());
        for (var i = 0L; i < published; i++)
        {
            generator.NextUtf8();
        }

        for (var count = 1; ; count++)
        {
            using var document = JsonDocument.Parse(generator.NextUtf8());
            if (document.RootElement.GetProperty("kind").GetString() == "commit")
            {
                return count;
            }
        }
    }

    private async Task RunMicroAsync(string filter)
    {
        Phase("micro-benchmarks");
        // Built here rather than referenced: BenchmarkDotNet's Roslyn must not reach this program, and Micro must see the current Grains.
        var build = ChildProcess.Start("build micro", "dotnet", ["build", "-c", layout.Configuration, "--nologo", "-v", "q", Path.Combine(layout.Root, "bench", "Micro")], layout.Root);
        await using (build)
        {
            if (await build.WaitForExitAsync(TimeSpan.FromMinutes(5)) != 0)
            {
                _context.Results.MicroError = "bench/Micro did not build:\n" + build.Tail(20);
                Log(_context.Results.MicroError);
                return;
            }
        }

        var child = ChildProcess.StartDotnet("micro", layout.MicroDll, ["--filter", filter]);
        await using (child)
        {
            var exit = await child.WaitForExitAsync(TimeSpan.FromMinutes(5));
            foreach (var line in child.Output.Where(l => l.StartsWith(MicroResultLine.Marker, StringComparison.Ordinal)))
            {
                _context.Results.Micro.Add(MicroResultLine.Parse(line));
            }

            if (exit != 0 || _context.Results.Micro.Count == 0)
            {
                _context.Results.MicroError = $"Micro exited with {exit}:\n{child.Tail(40)}";
                Log(_context.Results.MicroError);
            }

            foreach (var micro in _context.Results.Micro)
            {
                Log($"micro {micro.Case}: {micro.Nanoseconds:F0} ns, {micro.AllocatedBytes:F0} B allocated per event");
            }
        }
    }

    private void ResetPeaks(Azurite azurite, ChildProcess emulator)
    {
        azurite.Process.ResetPeakRss();
        emulator.ResetPeakRss();
        ProcSample.ResetPeak(Environment.ProcessId);
    }

    /// <summary>The Silo's GC settings as its runtimeconfig.json (Silo/Silo.csproj) and its image's environment (Silo/Dockerfile) give them, unless --silo-env overrides them.</summary>
    private string SiloGcMode()
    {
        if (settings.SiloEnvironment.Any(e => e.StartsWith("DOTNET_gc", StringComparison.OrdinalIgnoreCase) || e.StartsWith("DOTNET_GC", StringComparison.Ordinal)))
        {
            return "the GC settings given with --silo-env";
        }

        var config = Path.ChangeExtension(layout.SiloDll, ".runtimeconfig.json");
        var properties = File.Exists(config)
            ? JsonDocument.Parse(File.ReadAllText(config)).RootElement.GetProperty("runtimeOptions").GetProperty("configProperties")
            : default;
        bool Flag(string name, bool fallback) =>
            properties.ValueKind == JsonValueKind.Object && properties.TryGetProperty(name, out var value) ? value.GetBoolean() : fallback;
        var server = Flag("System.GC.Server", true);
        var concurrent = Flag("System.GC.Concurrent", true);
        var loh = properties.ValueKind == JsonValueKind.Object && properties.TryGetProperty("System.GC.LOHThreshold", out var threshold)
            ? $", large-object threshold {threshold.GetInt64():N0} B"
            : "";
        var image = string.Concat(layout.SiloImageRuntimeEnvironment().Select(e => $", `{e.Key}={e.Value}`"));
        return $"{(server ? "Server" : "Workstation")} GC, {(concurrent ? "background collections" : "no background collections")}{loh} (Silo.runtimeconfig.json)"
            + (image.Length > 0 ? $"{image} (Silo/Dockerfile)" : "");
    }

    /// <summary>
    /// Issue 6's scenarios read v1 uncompressed, the wire of their limit (a): on a zstd wire the emulator's compression
    /// would be the limit (the wires section compares the wires).
    /// </summary>
    private string[] Issue6SiloEnvironment(ScenarioStack stack) => [.. JetstreamWire.V1Plain.SiloEnvironment(stack.Control), .. settings.SiloEnvironment];

    private void Phase(string name) => _context.Phase(name);

    private static void LogUsage(List<HostUsage> usage) => BenchContext.LogUsage(usage);

    private static void Log(string message) => BenchContext.Log(message);
}
