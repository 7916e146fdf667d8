using System.Globalization;
using Azure.Storage.Queues;
using Jetstream.WebhookReceiver;

namespace Jetstream.Bench.Pipeline;

/// <summary>
/// One measured window of a running pipeline: the emulator's feed at a rate (unpaced: as fast as the processor reads),
/// a warm-up, then the window, with the grain's counters, the receiver's, the emulator's and each host's CPU.
/// </summary>
internal static class ThroughputRun
{
    /// <param name="costPerDelivered">Divide each host's CPU by the delivered events (else by the events the grain took).</param>
    public static async Task<ThroughputResult> MeasureAsync(
        ScenarioStack stack, Azurite azurite, WebhookReceiverHost receiver, string name, TimeSpan duration, double rate, bool costPerDelivered, TimeSpan warmup)
    {
        var probe = stack.Probe!;
        // The backlog at the end counts from here: what was queued before is delivered already or not this window's.
        var queuedAtReset = (await probe.StatsAsync()).QueuedEvents;
        receiver.Reset();
        var siloIdleRss = stack.Silo!.Sample().RssBytes;
        await stack.Control.SetRateAsync(rate);
        using var stopGcSampling = new CancellationTokenSource();
        var gcPeaks = SampleSiloGcHeapAsync(stack, stopGcSampling.Token);
        await Task.Delay(warmup);

        azurite.Process.ResetPeakRss();
        stack.Emulator.ResetPeakRss();
        ProcSample.ResetPeak(Environment.ProcessId);
        var before = await probe.StatsAsync();
        var seqBefore = (await probe.StatusAsync()).CursorSeq;
        var writesBefore = await stack.QueueWritesAsync();
        var (requestsBefore, deliveredBefore) = (receiver.Stats.Requests, receiver.Stats.Events);
        var window = UsageWindow.Start(stack.Hosts());
        var series = new List<(double Seconds, long Delivered)> { (0, deliveredBefore) };
        while (window.Elapsed < duration)
        {
            await Task.Delay(TimeSpan.FromSeconds(1));
            series.Add((window.Elapsed.TotalSeconds, receiver.Stats.Events));
        }

        // The receiver first: every event it counts was queued before the grain's counters are read, so the backlog is not negative.
        var counts = receiver.Stats;
        var after = await probe.StatsAsync();
        var seqAfter = (await probe.StatusAsync()).CursorSeq;
        var writes = await stack.QueueWritesAsync() - writesBefore;
        var usage = window.Stop();
        var seconds = window.Elapsed.TotalSeconds;
        await stopGcSampling.CancelAsync();
        var siloGcPeaks = await gcPeaks;
        await stack.Control.SetRateAsync(0);

        var received = after.TotalReceived - before.TotalReceived;
        // On v2 the server drops identity and account events before sending: the sequence numbers tell how much stream went by.
        var streamEvents = seqBefore is { } from && seqAfter is { } to ? to - from : received;
        var result = new ThroughputResult
        {
            Seconds = seconds,
            OfferedPerSecond = rate,
            ReceivedPerSecond = received / seconds,
            StreamEventsPerSecond = streamEvents / seconds,
            QueuedPerSecond = (after.QueuedEvents - before.QueuedEvents) / seconds,
            DeliveredPerSecond = (counts.Events - deliveredBefore) / seconds,
            RequestsPerSecond = (counts.Requests - requestsBefore) / seconds,
            MinDelivered10s = MinRate(series, Math.Min(10, duration.TotalSeconds)),
            DeliveredPer5s = RatesPer(series, 5),
            QueueWrites = writes,
            EventsPerMessage = writes == 0 ? 0 : (after.QueuedEvents - before.QueuedEvents) / (double)writes,
            Duplicates = counts.Duplicates,
            BacklogAtEnd = after.QueuedEvents - queuedAtReset - counts.UniqueEvents,
            SkippedIdentityAndAccount = after.SkippedIdentityEvents + after.SkippedAccountEvents - before.SkippedIdentityEvents - before.SkippedAccountEvents,
            WireBytesPerEvent = received == 0 ? 0 : (after.WireBytes - before.WireBytes) / (double)received,
            WireBytesPerStreamEvent = streamEvents == 0 ? 0 : (after.WireBytes - before.WireBytes) / (double)streamEvents,
            DecodedBytesPerEvent = received == 0 ? 0 : (after.DecodedBytes - before.DecodedBytes) / (double)received,
            Wire = $"{after.Wire} {after.Compression}",
            Usage = usage,
            SiloIdleRssBytes = siloIdleRss,
            SiloGcPeakBytes = siloGcPeaks,
            CostEvents = costPerDelivered ? counts.Events - deliveredBefore : received,
        };
        BenchContext.Log($"{name}: grain received {result.ReceivedPerSecond:F0}/s ({result.Wire}, {result.WireBytesPerEvent:F0} B/event on the wire), queued {result.QueuedPerSecond:F0}/s, " +
            $"delivered {result.DeliveredPerSecond:F0}/s in {result.RequestsPerSecond:F0} requests/s (min 10 s: {result.MinDelivered10s:F0}/s), backlog {result.BacklogAtEnd}, duplicates {result.Duplicates}");
        BenchContext.Log($"{name}: {writes} queue messages written, {result.EventsPerMessage:F1} events per message");
        BenchContext.Log($"{name}: delivered per 5 s: {string.Join(' ', result.DeliveredPer5s.Select(r => r.ToString("F0", CultureInfo.InvariantCulture)))}");
        BenchContext.Log($"{name}: Silo GC heap, largest after a collection: {string.Join(", ", siloGcPeaks.Select(g => $"{g.Key} {g.Value / 1e6:F1} MB"))}");
        BenchContext.LogUsage(usage);
        var queue = new QueueClient(azurite.ConnectionString, stack.QueueName);
        BenchContext.Log($"queue '{stack.QueueName}' holds about {(await queue.GetPropertiesAsync()).Value.ApproximateMessagesCount} messages");
        return result;
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
}
