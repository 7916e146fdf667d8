using System.Globalization;

namespace Jetstream.Bench.Pipeline;

/// <summary>
/// Row d's live events against the job's steps: each event's latency by when it was published, in seconds since the
/// backfill call, beside when the Silo logged the end of discovery and of the hold on everyone. A p99 alone does not
/// say whether the slow events are the first seconds' (the hold while discovery runs) or spread over the run.
/// </summary>
internal sealed record BackfillLiveTimeline(IReadOnlyList<BackfillLiveTimeline.Second> Seconds, IReadOnlyList<(string Step, double At)> Steps, int Slow, double FirstSlow, double LastSlow)
{
    /// <summary>The bound a live event is slow above (issue 18's p99 target).</summary>
    public const double SlowMillis = 1000;

    /// <summary>The Silo's log lines the timeline places (<c>BackfillLog.Discovered</c>, <c>BackfillLog.HoldOnEveryoneEnded</c>).</summary>
    public static readonly (string Step, string Fragment)[] LoggedSteps =
    [
        ("discovery ended", "repositories at the relay"),
        ("hold on everyone ended", "the hold on every repository ended"),
    ];

    public sealed record Second(int At, Percentiles Latency);

    public static BackfillLiveTimeline Of(IEnumerable<(DateTime Published, DateTime Arrived)> arrivals, DateTime started, IEnumerable<(string Step, DateTime At)> steps)
    {
        var events = arrivals
            .Select(a => (At: (a.Published - started).TotalSeconds, Millis: (a.Arrived - a.Published).TotalMilliseconds))
            .Where(e => e.At >= 0)
            .ToList();
        var seconds = events.GroupBy(e => (int)e.At).OrderBy(g => g.Key).Select(g => new Second(g.Key, Percentiles.Of(g.Select(e => e.Millis)))).ToList();
        var slow = events.Where(e => e.Millis > SlowMillis).Select(e => e.At).ToList();
        return new BackfillLiveTimeline(seconds, [.. steps.Select(s => (s.Step, (s.At - started).TotalSeconds))], slow.Count,
            slow.Count > 0 ? slow.Min() : double.NaN, slow.Count > 0 ? slow.Max() : double.NaN);
    }

    /// <summary>One line for the report: where the slow events are against the job's steps.</summary>
    public string Summary()
    {
        var steps = Steps.Count == 0 ? "no step logged" : string.Join(", ", Steps.Select(s => $"{s.Step} at +{F1(s.At)} s"));
        return Slow == 0
            ? $"no live event over {SlowMillis:N0} ms; {steps}"
            : $"{Slow:N0} live events over {SlowMillis:N0} ms, published from +{F1(FirstSlow)} s to +{F1(LastSlow)} s after the backfill call; {steps}";
    }

    /// <summary>The bench log's view: each second since the call with its events' latencies, up to <paramref name="seconds"/>, and every later second with a slow event.</summary>
    public IEnumerable<string> Lines(int seconds = 30) =>
        Seconds.Where(s => s.At < seconds || s.Latency.Max > SlowMillis)
            .Select(s => $"+{s.At,3} s: {s.Latency.Count,3} live events, p50 {F0(s.Latency.P50),5} ms, max {F0(s.Latency.Max),5} ms");

    private static string F0(double value) => value.ToString("N0", CultureInfo.InvariantCulture);

    private static string F1(double value) => value.ToString("F1", CultureInfo.InvariantCulture);
}
