namespace Jetstream.Bench.Pipeline;

/// <summary>
/// Issue 13's sections about single events rather than rates: sparse events and the idle cost, the receiver's outage,
/// and duplicates without a fault. One instance writes one section.
/// </summary>
internal sealed class EventTimingReport(Results results, BenchSettings settings) : SectionWriter(results, settings)
{
    public const string SparseHeading = "## Sparse events and the idle cost (issue 13)";
    public const string OutageHeading = "## The receiver's outage (issue 13)";
    public const string DuplicatesHeading = "## Duplicates without a fault (issue 13)";

    private const double LatencyTargetMs = 100;

    public string Sparse(bool standalone)
    {
        if (Results.Sparse is not { } s)
        {
            return NotMeasured(SparseHeading, "sparse", standalone);
        }

        Header(SparseHeading, standalone, phase => phase.StartsWith("sparse", StringComparison.Ordinal));
        var interval = Settings.SparseInterval.TotalSeconds;
        var idle = Settings.SparseIdle.TotalSeconds;
        var off = s.WithoutWake;
        string Idle(SparseResult r) =>
            $"{r.IdleRequestsPerSecond:F2}/s (blob {r.IdleRequests.Blob / r.IdleSeconds:F2}, queue {r.IdleRequests.Queue / r.IdleSeconds:F2}, table {r.IdleRequests.Table / r.IdleSeconds:F2})";
        Table(["Target", "Measured", "Met"],
        [
            [$"Sparse events (one every {interval:F1} s): p99 ≤ {LatencyTargetMs:F0} ms from Jetstream to the webhook",
                $"p99 {F1(s.Latency.P99)} ms, p50 {F1(s.Latency.P50)}, max {F1(s.Latency.Max)} ({s.Latency.Count} of {s.Published} events{(s.Latency.Count is > 0 and < 100 ? ": with fewer than 100, p99 is the slowest" : "")})",
                Met(s.Latency.Count == s.Published ? s.Latency.P99 <= LatencyTargetMs : false, s.Latency.Count < s.Published ? $"{s.Published - s.Latency.Count} events did not arrive" : $"{s.Latency.Above(LatencyTargetMs)} of {s.Latency.Count} took longer")],
            [$"The first event after {idle:F0} s idle: ≤ {LatencyTargetMs:F0} ms", $"{F1(s.AfterIdleMs)} ms" + (off is null ? "" : $" (wake-on-write off: {F1(off.AfterIdleMs)} ms)"),
                Met(!double.IsNaN(s.AfterIdleMs) && s.AfterIdleMs <= LatencyTargetMs, double.IsNaN(s.AfterIdleMs) ? "it did not arrive within 30 s" : "one event's time, see the sparse row")],
            ["Idle storage transactions per second no higher than with the same hosts polling as before wake-on-write (`WakeOnWrite:Enabled=false`)",
                Idle(s) + (off is null ? "" : $"; wake-on-write off: {Idle(off)}"),
                off is null ? Met(null, "the run with wake-on-write off failed") : Met(s.IdleRequestsPerSecond <= off.IdleRequestsPerSecond, $"{s.IdleRequestsPerSecond - off.IdleRequestsPerSecond:F2} more per second")],
        ]);
        Line($"A new Silo and consumer with default settings (plus any `--silo-env`/`--consumer-env`; then new ones with `WakeOnWrite:Enabled=false` for the idle comparison), reaching storage through a counting forwarder in front of Azurite " +
             $"(`CountingStorageProxy`: every request the two hosts make, per service). From the moment the fresh hosts are up (issue 20), {s.Published} matching commits, " +
             $"one every {interval:F1} s (`POST /control/publish`); then 5 s, {s.IdleSeconds:F0} s with nothing published " +
             $"(CPU then: {string.Join(", ", s.IdleUsage.Select(u => $"{u.Host} {u.CpuPercent:F1} %"))}), then one matching commit. " +
             "Latency is the receiver's arrival time minus the event's `time_us`, stamped by the emulator when it publishes.");
        Line();
        return Text();
    }

    public string Outage(bool standalone)
    {
        if (Results.Outages.Count == 0)
        {
            return NotMeasured(OutageHeading, "outage", standalone);
        }

        Header(OutageHeading, standalone, phase => phase.StartsWith("outage", StringComparison.Ordinal));
        var late = OutageScenario.LateAfterReturn.TotalSeconds;
        Table(["Target", "Measured", "Met"], Results.Outages.Select(o => new[]
        {
            $"{o.Outage.TotalSeconds:F0} s outage at {o.Rate:F0} events/s{(o.FailureRate > 0 ? $", {o.FailureRate:P0} of requests failing throughout" : "")}: " +
                $"every event delivered within {late:F0} s of the receiver's return, none dead-lettered{(o.FailureRate > 0 ? " (the issue's target is for the clean outage; the same bound here)" : "")}",
            $"{o.Delivered:N0} of {o.Queued:N0} delivered; the first {F1(o.FirstArrivalAfterReturnSeconds)} s and the last {F1(o.LastArrivalAfterReturnSeconds)} s after the return; {o.ArrivedLate:N0} more than {late:F0} s after it " +
                $"(or after their publication, for the events published later); the longest wait from publication {F1(o.LongestWaitSeconds)} s; " +
                $"{o.DeadLettered:N0} dead-lettered" + (o.Undelivered > 0 ? $"; {o.Undelivered:N0} not delivered {o.WaitedSeconds:F0} s after the return, when the bench stopped waiting" : ""),
            Met(o.Undelivered == 0 && o.ArrivedLate == 0 && o.DeadLettered == 0, string.Join("; ", new[]
            {
                o.DeadLettered > 0 ? $"{o.DeadLettered:N0} events dead-lettered" : "",
                o.Undelivered > 0 ? $"{o.Undelivered:N0} events still waiting for a retry when the bench stopped" : "",
                o.ArrivedLate > 0 ? $"the first delivery came {F1(o.FirstArrivalAfterReturnSeconds)} s after the return and the last {F1(o.LastArrivalAfterReturnSeconds)} s, not within {late:F0}" : "",
            }.Where(x => x.Length > 0))),
        }));
        var recovered = OutageScenario.RecoveredAfterReturn.TotalSeconds;
        Table(["Issue 20 target", "Measured", "Met"], Results.Outages.SelectMany(o => new[]
        {
            new[]
            {
                $"{o.Name}: every event published before the return delivered ≤ 5 s after it",
                $"{F1(o.BacklogDeliveredAfterReturnSeconds)} s after the return",
                Met(o.BacklogDeliveredAfterReturnSeconds <= 5, $"{F1(o.BacklogDeliveredAfterReturnSeconds)} s"),
            },
            [
                $"{o.Name}: events published ≥ {recovered:F0} s after the return, p99 ≤ 1 s",
                $"p50 {o.RecoveredLatency.P50:F0} ms, p99 {o.RecoveredLatency.P99:F0} ms, max {o.RecoveredLatency.Max:F0} ms ({o.RecoveredLatency.Count:N0} events)",
                Met(o.RecoveredLatency.P99 <= 1000, $"p99 {o.RecoveredLatency.P99:F0} ms"),
            ],
        }));
        Line($"Each run: a new Silo and consumer with default settings, the feed at {Settings.OutageRate:F0} matching commits/s; after {Settings.OutageLead.TotalSeconds:F0} s the receiver " +
             $"aborts every connection (no answer) for the outage, then answers again; the feed runs {Settings.OutageTail.TotalSeconds:F0} s more and stops; the bench waits until every " +
             $"queued event has arrived (at most {Settings.OutageDrainLimit.TotalSeconds:F0} s). An event counts at its first arrival; the dead-lettered count is the `-poison` queue's length. " +
             $"Requests: {string.Join("; ", Results.Outages.Select(o => $"{o.Name} {o.Requests:N0}, {o.FailedRequests:N0} failed on purpose"))}.");
        Line();
        return Text();
    }

    public string Duplicates(bool standalone)
    {
        if (Results.Duplicates is not { } d)
        {
            return NotMeasured(DuplicatesHeading, "duplicates", standalone);
        }

        Header(DuplicatesHeading, standalone, phase => phase.StartsWith("duplicates", StringComparison.Ordinal));
        Table(["Target", "Measured", "Met"],
        [
            ["No delivery with a repeated `webhook-id` in a fault-free run", $"{d.RepeatedIds} of {d.DeliveredUnique:N0} events", Met(d.RepeatedIds == 0, "the consumer delivered a message again")],
            ["No event delivered twice, whatever request carried it", $"{d.RepeatedEvents}", Met(d.RepeatedEvents == 0, "an event was queued or delivered twice")],
            ["Every queued event delivered", $"{d.DeliveredUnique:N0} of {d.Queued:N0}", Met(d.DeliveredUnique >= d.Queued, "events missing at the end of the wait")],
        ]);
        Line($"{d.Rate:F0} events/s for {d.Seconds:F0} s, 45 % of them matching commits of {d.Dids:N0} DIDs (the rest identity and account events), default settings, " +
             "no receiver failure and no restart; then the bench waits until every queued event has arrived and 3 s more for late copies.");
        Line();
        return Text();
    }

    private string NotMeasured(string heading, string scenario, bool standalone)
    {
        if (!Results.Errors.TryGetValue(scenario, out var error))
        {
            return "";
        }

        Header(heading, standalone, phase => phase.StartsWith(scenario, StringComparison.Ordinal));
        Line($"**Not measured: {error}**");
        Line();
        return Text();
    }
}
