namespace Jetstream.Bench.Pipeline;

/// <summary>
/// Issue 13's firehose sections: in batches of 100 (with the cost per event against the rate), and one event per
/// request, each as a ratio to the delivery limit (c) that posts the same kind of body to the same receiver.
/// </summary>
internal sealed class FirehoseDeliveryReport(Results results, BenchSettings settings, bool batched) : SectionWriter(results, settings)
{
    public const string BatchedHeading = "## Firehose in batches of 100 (issue 13)";
    public const string SingleHeading = "## Firehose, one event per request (issue 13)";

    private const double BatchedTarget = 25_000;
    private const double BatchedMoonshot = 30_000;
    private const double SingleTarget = 10_000;
    private const double CpuTargetMicros = 25;

    private static readonly string[] OurHosts = ["Silo", "WebhookConsumer"];

    public string Heading => batched ? BatchedHeading : SingleHeading;

    private string Scenario => batched ? "batched" : "single";

    private string LimitName => batched ? DeliveryScenarios.BatchedLimit : DeliveryScenarios.SingleLimit;

    public string ToMarkdown(bool standalone)
    {
        var run = batched ? Results.Batched : Results.Single;
        if (run is null && !Results.Errors.ContainsKey(Scenario))
        {
            return "";
        }

        Header(Heading, standalone, phase => phase.StartsWith(Scenario + ":", StringComparison.Ordinal) || phase == $"limit (c) {LimitName}");
        if (run is null)
        {
            Line($"**Not measured: {Results.Errors[Scenario]}**");
            Line();
            return Text();
        }

        var limit = Results.Limits.GetValueOrDefault(LimitName);
        TargetsTable(run, limit);
        Line($"Asked of the hosts: {string.Join(", ", run.Settings.Select(s => $"`{s}`"))} (a setting a host does not know has no effect: " +
             $"the events per request and per queue message below show what the hosts did). The feed unpaced, {Settings.Warmup.TotalSeconds:F0} s warm-up, " +
             $"{run.Maximum.Seconds:F0} s window; the receiver (in the bench process) checks each signature and counts the events of each body.");
        Line();
        if (batched && run.Maximum is { RequestsPerSecond: > 0 } max && max.DeliveredPerSecond / max.RequestsPerSecond < 1.5)
        {
            Line($"**The consumer sent {max.DeliveredPerSecond / max.RequestsPerSecond:F1} events per request: the WebhookConsumer of this commit did not batch.**");
            Line();
        }

        RateTable(run);
        LimitLine(limit);
        return Text();
    }

    private void TargetsTable(FirehoseDeliveryResult run, LimitResult? limit)
    {
        var max = run.Maximum;
        var ratio = limit is null ? "" : $"; {max.DeliveredPerSecond / limit.EventsPerSecond:P0} of limit (c) {(batched ? "in batches" : "one per request")} ({limit.EventsPerSecond:N0}/s)";
        var bound = CpuBound(max.Usage, max.CostEvents);
        var measured = $"{max.DeliveredPerSecond:N0}/s mean, {max.MinDelivered10s:N0}/s lowest 10 s, over {max.Seconds:F0} s{ratio}";
        var rows = new List<string[]>();
        if (batched)
        {
            rows.Add([$"Firehose, batches of {run.BatchEvents}: ≥ {BatchedTarget:N0} events/s delivered end to end", measured, Met(max.DeliveredPerSecond >= BatchedTarget, bound)]);
            rows.Add([$"Moonshot: ≥ {BatchedMoonshot:N0} events/s", $"{max.DeliveredPerSecond:N0}/s", Met(max.DeliveredPerSecond >= BatchedMoonshot, bound)]);
            var ours = PerEvent(max.Usage, max.CostEvents, OurHosts);
            rows.Add([$"CPU of the Silo plus the WebhookConsumer per delivered event: ≤ {CpuTargetMicros:F0} µs", $"{ours:F1} µs (Silo {PerEvent(max.Usage, max.CostEvents, "Silo"):F1}, " +
                $"WebhookConsumer {PerEvent(max.Usage, max.CostEvents, "WebhookConsumer"):F1})", Met(ours <= CpuTargetMicros, "see the cost per event below")]);
        }
        else
        {
            rows.Add([$"Firehose, one event per request: ≥ {SingleTarget:N0} events/s", measured, Met(max.DeliveredPerSecond >= SingleTarget, bound)]);
        }

        rows.Add(["No duplicate deliveries in the window", $"{max.Duplicates} requests with a repeated `webhook-id`", Met(max.Duplicates == 0, "see the duplicates section")]);
        Table(["Target", "Measured", "Met"], rows);
    }

    private void RateTable(FirehoseDeliveryResult run)
    {
        if (batched)
        {
            Line("Cost per event against the rate, on the same hosts (the paced windows follow the unpaced one once its backlog is delivered; " +
                 $"{Settings.PacedWarmup.TotalSeconds:F0} s warm-up and {Settings.PacedDuration.TotalSeconds:F0} s each). CPU µs per delivered event:");
            Line();
        }

        var rows = run.Paced.Append(run.Maximum).Select(r => new[]
        {
            double.IsPositiveInfinity(r.OfferedPerSecond) ? "unpaced (the maximum)" : $"{r.OfferedPerSecond:N0}/s",
            F0(r.DeliveredPerSecond), F1(r.RequestsPerSecond > 0 ? r.DeliveredPerSecond / r.RequestsPerSecond : double.NaN), F1(r.EventsPerMessage),
            F1(PerEvent(r.Usage, r.CostEvents, "Silo")), F1(PerEvent(r.Usage, r.CostEvents, "WebhookConsumer")), F1(PerEvent(r.Usage, r.CostEvents, OurHosts)),
            F1(PerEvent(r.Usage, r.CostEvents, "Azurite (node)")), F1(PerEvent(r.Usage, r.CostEvents, "Emulator")), F1(PerEvent(r.Usage, r.CostEvents, "Bench process (receiver)")),
            $"{r.Usage.Sum(u => u.CpuPercent):F0} %",
        });
        Table(["Offered", "Delivered/s", "Events per request", "Events per queue message", "Silo µs", "Consumer µs", "Silo + consumer µs", "Azurite µs", "Emulator µs", "Receiver µs", "CPU, all processes"], rows);
        var max = run.Maximum;
        var silo = max.Usage.FirstOrDefault(u => u.Host == "Silo");
        Line($"Unpaced: delivered per 5 s {string.Join(", ", max.DeliveredPer5s.Select(F0))}; {max.BacklogAtEnd:N0} events queued but not delivered at the end; " +
             $"the processor wrote {max.QueueWrites:N0} queue messages ({max.EventsPerMessage:F1} events each)" +
             (silo is null ? "." : $"; Silo peak RSS {silo.PeakRssBytes / 1048576.0:F0} MiB."));
        Line();
    }

    private void LimitLine(LimitResult? limit)
    {
        if (limit is null)
        {
            return;
        }

        var usage = Results.LimitUsage.GetValueOrDefault(LimitName) ?? [];
        Line($"Limit (c) {(batched ? $"in batches: the bare `HttpClient` loop posts batch bodies of {DeliveryFeatures.BatchEvents} events" : "one per request: the bare `HttpClient` loop posts one event per request")}, " +
             $"signed like the consumer, {Settings.DeliveryConcurrency} in flight, to the same receiver, for {limit.Seconds:F0} s: {limit.EventsPerSecond:N0} events/s in " +
             $"{limit.MessagesPerSecond:N0} requests/s, {limit.Errors} errors; the loop and the receiver spent {usage.Sum(u => u.CpuSeconds) * 1e6 / Math.Max(1, limit.Events):F1} µs of CPU per event " +
             $"({string.Join(", ", usage.Select(u => $"{u.Host} {u.CpuPercent:F0} %"))}).");
        Line();
    }
}
