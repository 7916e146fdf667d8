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
    private readonly Results _results = new();

    public static async Task<int> RunAsync(BenchSettings settings)
    {
        var layout = RepoLayout.Find();
        var benchmark = new PipelineBenchmark(settings, layout);
        await benchmark.RunAllAsync();
        return 0;
    }

    private async Task RunAllAsync()
    {
        var total = Stopwatch.StartNew();
        _results.Machine = MachineInfo.Read(layout.Root);
        _results.SiloGc = SiloGcMode();
        Log($"Machine: {_results.Machine.CpuModel}, {_results.Machine.Cores} cores; commit {_results.Machine.Commit[..Math.Min(10, _results.Machine.Commit.Length)]}");

        if (settings.RunMicro && !settings.OnlySubscriptions)
        {
            await RunMicroAsync();
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
        await using var receiver = await WebhookReceiverHost.StartAsync(new ReceiverOptions { Secret = ScenarioStack.WebhookSecret, RecordDeliveries = false });
        Log($"Azurite up; receiver on {receiver.Url}");

        _results.Firehose = settings.Runs("firehose") ? await RunFirehoseAsync(azurite, receiver) : null;
        _results.Seed = settings.Runs("seed") ? await RunSeedAsync(azurite, receiver) : null;
        _results.Latency = settings.Runs("latency") ? await RunLatencyAsync(azurite, receiver) : null;
        _results.Subscriptions = settings.Runs("subscriptions") ? await RunSubscriptionsAsync(azurite) : null;

        _results.Total = total.Elapsed;
        var path = settings.ReportPath ?? layout.ReportPath;
        await File.WriteAllTextAsync(path, settings.OnlySubscriptions
            ? SubscriptionReport.Splice(File.Exists(path) ? await File.ReadAllTextAsync(path) : "# Performance\n", new SubscriptionReport(_results, settings).ToMarkdown(standalone: true))
            : new Report(_results, settings).ToMarkdown());
        Log($"Wrote {path} after {total.Elapsed.TotalMinutes:F1} min.");
        Console.WriteLine();
        Console.WriteLine(new Report(_results, settings).Summary());
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
        await RunIngestLimitAsync(stack, "ingest-firehose");
        await RunQueueLimitAsync(azurite, 1);
        await RunQueueLimitAsync(azurite, settings.MaxEventsPerMessage);
        await RunQueueLimitAsync(azurite, settings.MaxEventsPerMessage, deflate: true);
        await RunDeliveryLimitAsync(receiver, azurite);
        return await RunThroughputAsync(stack, azurite, receiver, settings.FirehoseDuration);
    }

    private async Task<ThroughputResult> RunSeedAsync(Azurite azurite, WebhookReceiverHost receiver)
    {
        await using var stack = await ScenarioStack.StartEmulatorAsync(layout, azurite, StreamProfile.SeedProfile);
        await RunIngestLimitAsync(stack, "ingest-seed");
        return await RunThroughputAsync(stack, azurite, receiver, settings.SeedDuration);
    }

    /// <summary>The emulator unpaced (as fast as the processor reads), the whole pipeline running, for <paramref name="duration"/>.</summary>
    private async Task<ThroughputResult> RunThroughputAsync(ScenarioStack stack, Azurite azurite, WebhookReceiverHost receiver, TimeSpan duration)
    {
        var name = stack.Profile.Name;
        Phase($"{name}: pipeline");
        await stack.StartPipelineAsync(receiver.Url, settings.SiloEnvironment, settings.ConsumerEnvironment);
        receiver.Reset();
        var siloIdleRss = stack.Silo!.Sample().RssBytes;
        await stack.Control.SetRateAsync(double.PositiveInfinity);
        using var stopGcSampling = new CancellationTokenSource();
        var gcPeaks = SampleSiloGcHeapAsync(stack, stopGcSampling.Token);
        await Task.Delay(settings.Warmup);

        ResetPeaks(azurite, stack.Emulator);
        var probe = stack.Probe!;
        var before = await probe.StatsAsync();
        var writesBefore = await stack.QueueWritesAsync();
        var deliveredBefore = receiver.Stats.Delivered;
        var window = UsageWindow.Start(stack.Hosts());
        var series = new List<(double Seconds, long Delivered)> { (0, deliveredBefore) };
        while (window.Elapsed < duration)
        {
            await Task.Delay(TimeSpan.FromSeconds(1));
            series.Add((window.Elapsed.TotalSeconds, receiver.Stats.Delivered));
        }

        var after = await probe.StatsAsync();
        var writes = await stack.QueueWritesAsync() - writesBefore;
        var stats = receiver.Stats;
        var usage = window.Stop();
        var seconds = window.Elapsed.TotalSeconds;
        await stopGcSampling.CancelAsync();
        var siloGcPeaks = await gcPeaks;
        await stack.Control.SetRateAsync(0);

        var result = new ThroughputResult
        {
            Seconds = seconds,
            ReceivedPerSecond = (after.TotalReceived - before.TotalReceived) / seconds,
            QueuedPerSecond = (after.QueuedEvents - before.QueuedEvents) / seconds,
            DeliveredPerSecond = (stats.Delivered - deliveredBefore) / seconds,
            MinDelivered10s = MinRate(series, 10),
            DeliveredPer5s = RatesPer(series, 5),
            QueueWrites = writes,
            EventsPerMessage = writes == 0 ? 0 : (after.QueuedEvents - before.QueuedEvents) / (double)writes,
            Duplicates = stats.Duplicates,
            BacklogAtEnd = after.QueuedEvents - stats.UniqueIds,
            SkippedIdentityAndAccount = after.SkippedIdentityEvents + after.SkippedAccountEvents - before.SkippedIdentityEvents - before.SkippedAccountEvents,
            Usage = usage,
            SiloIdleRssBytes = siloIdleRss,
            SiloGcPeakBytes = siloGcPeaks,
            CostEvents = stack.Profile == StreamProfile.Firehose ? stats.Delivered - deliveredBefore : after.TotalReceived - before.TotalReceived,
        };
        Log($"{name}: grain received {result.ReceivedPerSecond:F0}/s, queued {result.QueuedPerSecond:F0}/s, delivered {result.DeliveredPerSecond:F0}/s " +
            $"(min 10 s: {result.MinDelivered10s:F0}/s), backlog {result.BacklogAtEnd}, duplicates {result.Duplicates}");
        Log($"{name}: {writes} queue messages written, {result.EventsPerMessage:F1} events per message");
        Log($"{name}: delivered per 5 s: {string.Join(' ', result.DeliveredPer5s.Select(r => r.ToString("F0", CultureInfo.InvariantCulture)))}");
        Log($"{name}: Silo GC heap, largest after a collection: {string.Join(", ", siloGcPeaks.Select(g => $"{g.Key} {g.Value / 1e6:F1} MB"))}");
        LogUsage(usage);
        await ApproximateBacklogAsync(azurite, stack.QueueName);
        return result;
    }

    private async Task<LatencyResult> RunLatencyAsync(Azurite azurite, WebhookReceiverHost receiver)
    {
        await using var stack = await ScenarioStack.StartEmulatorAsync(layout, azurite, StreamProfile.Latency);
        Phase("latency: pipeline");
        await stack.StartPipelineAsync(receiver.Url, settings.SiloEnvironment, settings.ConsumerEnvironment);
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

    private async Task RunIngestLimitAsync(ScenarioStack stack, string name)
    {
        Phase($"limit (a) {name}");
        var child = ChildProcess.StartDotnet(name, RepoLayout.SelfDll,
        [
            IngestLimit.Command, $"url={stack.Control.FilteredSubscribeUri}",
            $"warmup={Seconds(TimeSpan.FromSeconds(1))}", $"seconds={Seconds(settings.LimitDuration)}",
        ]);
        await using (child)
        {
            await Ports.WaitUntilAsync(() => Task.FromResult(child.Output.Contains("CONNECTED")), TimeSpan.FromSeconds(30), "Ingest limit connect", child);
            var window = UsageWindow.Start([("Emulator", stack.Emulator.Sample)]);
            await stack.Control.SetRateAsync(double.PositiveInfinity);
            await FinishLimitAsync(child, name, window);
            await stack.Control.SetRateAsync(0);
        }
    }

    private async Task RunQueueLimitAsync(Azurite azurite, int eventsPerMessage, bool deflate = false)
    {
        var name = deflate ? "queue-deflate" : eventsPerMessage == 1 ? "queue-single" : "queue-packed";
        Phase($"limit (b) {name}");
        var child = ChildProcess.StartDotnet(name, RepoLayout.SelfDll,
        [
            QueueLimit.Command, $"connection={azurite.ConnectionString}", $"queue=bench-limit-{eventsPerMessage}-{Guid.NewGuid().ToString("N")[..6]}",
            $"seconds={Seconds(settings.LimitDuration)}", $"inflight={settings.QueueSendsInFlight}", $"maxevents={eventsPerMessage}", $"deflate={(deflate ? "true" : "false")}", "profile=firehose",
        ]);
        await using (child)
        {
            await FinishLimitAsync(child, name, UsageWindow.Start([("Azurite (node)", azurite.Process.Sample)]));
        }
    }

    private async Task RunDeliveryLimitAsync(WebhookReceiverHost receiver, Azurite azurite)
    {
        Phase("limit (c) delivery");
        receiver.Reset();
        var child = ChildProcess.StartDotnet("delivery", RepoLayout.SelfDll,
        [
            DeliveryLimit.Command, $"url={receiver.Url}", $"secret={ScenarioStack.WebhookSecret}",
            $"seconds={Seconds(settings.LimitDuration)}", $"concurrency={settings.DeliveryConcurrency}", "profile=firehose",
        ]);
        await using (child)
        {
            await FinishLimitAsync(child, "delivery", UsageWindow.Start([("Bench process (receiver)", () => ProcSample.Read(Environment.ProcessId))]));
        }

        var stats = receiver.Stats;
        if (stats.Rejected > 0)
        {
            throw new InvalidOperationException($"The receiver rejected {stats.Rejected} requests of the delivery limit: its signatures do not match.");
        }
    }

    private async Task FinishLimitAsync(ChildProcess child, string name, UsageWindow window)
    {
        var exit = await child.WaitForExitAsync(settings.LimitDuration + TimeSpan.FromSeconds(90));
        var usage = window.Stop();
        var result = LimitResult.Parse(child.Output)
            ?? throw new InvalidOperationException($"Limit {name} printed no result (exit {exit}):\n{child.Tail()}");
        _results.Limits[name] = result with { Name = name };
        // The loop's own CPU comes from the loop itself: its process is gone by now.
        usage.Add(new HostUsage("limit loop", result.CpuSeconds, result.Seconds, 0, 0));
        _results.LimitUsage[name] = usage;
        Log($"limit {name}: {result.EventsPerSecond:F0} events/s" + (result.Messages > 0 && name.StartsWith("queue", StringComparison.Ordinal) ? $", {result.MessagesPerSecond:F0} messages/s" : "")
            + (result.Errors > 0 ? $", {result.Errors} errors" : ""));
        LogUsage(usage);
    }

    private async Task RunMicroAsync()
    {
        Phase("micro-benchmarks");
        // Built here rather than referenced: BenchmarkDotNet's Roslyn must not reach this program, and Micro must see the current Grains.
        var build = ChildProcess.Start("build micro", "dotnet", ["build", "-c", layout.Configuration, "--nologo", "-v", "q", Path.Combine(layout.Root, "bench", "Micro")], layout.Root);
        await using (build)
        {
            if (await build.WaitForExitAsync(TimeSpan.FromMinutes(5)) != 0)
            {
                _results.MicroError = "bench/Micro did not build:\n" + build.Tail(20);
                Log(_results.MicroError);
                return;
            }
        }

        var child = ChildProcess.StartDotnet("micro", layout.MicroDll, ["--filter", "*"]);
        await using (child)
        {
            var exit = await child.WaitForExitAsync(TimeSpan.FromMinutes(5));
            foreach (var line in child.Output.Where(l => l.StartsWith(MicroResultLine.Marker, StringComparison.Ordinal)))
            {
                _results.Micro.Add(MicroResultLine.Parse(line));
            }

            if (exit != 0 || _results.Micro.Count == 0)
            {
                _results.MicroError = $"Micro exited with {exit}:\n{child.Tail(40)}";
                Log(_results.MicroError);
            }

            foreach (var micro in _results.Micro)
            {
                Log($"micro {micro.Case}: {micro.Nanoseconds:F0} ns, {micro.AllocatedBytes:F0} B allocated per event");
            }
        }
    }

    private async Task ApproximateBacklogAsync(Azurite azurite, string queueName)
    {
        var queue = new QueueClient(azurite.ConnectionString, queueName);
        var properties = await queue.GetPropertiesAsync();
        Log($"queue '{queueName}' holds about {properties.Value.ApproximateMessagesCount} messages");
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
    /// The largest size of each generation of the Silo's GC heap after a collection, sampled every 2 s from its metrics
    /// until <paramref name="stop"/> (a scrape costs the Silo a few milliseconds of CPU).
    /// </summary>
    private static async Task<Dictionary<string, long>> SampleSiloGcHeapAsync(ScenarioStack stack, CancellationToken stop)
    {
        var peaks = new Dictionary<string, long>(StringComparer.Ordinal);
        using var timer = new PeriodicTimer(TimeSpan.FromSeconds(2));
        try
        {
            do
            {
                foreach (var (generation, bytes) in await stack.SiloGcHeapAsync())
                {
                    peaks[generation] = Math.Max(peaks.GetValueOrDefault(generation), bytes);
                }
            }
            while (await timer.WaitForNextTickAsync(stop));
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested)
        {
        }

        return peaks;
    }

    /// <summary>Delivered per second in consecutive spans of <paramref name="span"/> seconds (dips show where the time went).</summary>
    private static double[] RatesPer(List<(double Seconds, long Delivered)> series, double span)
    {
        var rates = new List<double>();
        var start = 0;
        for (var i = 1; i < series.Count; i++)
        {
            if (series[i].Seconds - series[start].Seconds >= span - 0.01)
            {
                rates.Add((series[i].Delivered - series[start].Delivered) / (series[i].Seconds - series[start].Seconds));
                start = i;
            }
        }

        return [.. rates];
    }

    private static double MinRate(List<(double Seconds, long Delivered)> series, double span)
    {
        var min = double.MaxValue;
        for (var i = 0; i < series.Count; i++)
        {
            var j = series.FindIndex(i, s => s.Seconds - series[i].Seconds >= span - 0.01);
            if (j < 0)
            {
                break;
            }

            min = Math.Min(min, (series[j].Delivered - series[i].Delivered) / (series[j].Seconds - series[i].Seconds));
        }

        return min == double.MaxValue ? 0 : min;
    }

    private void Phase(string name)
    {
        var load = MachineInfo.LoadAverage();
        _results.Load.Add((name, load));
        Log($"== {name} (load average {load})");
    }

    private static void LogUsage(List<HostUsage> usage) =>
        Log("   " + string.Join("; ", usage.Select(u => $"{u.Host} {u.CpuPercent:F0}% cpu, peak {u.PeakRssBytes / 1048576.0:F0} MB")));

    private static void Log(string message) => Console.WriteLine($"[{DateTime.Now:HH:mm:ss}] {message}");

    private static string Seconds(TimeSpan span) => span.TotalSeconds.ToString(CultureInfo.InvariantCulture);
}
