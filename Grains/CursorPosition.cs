using Jetstream.Grains.Interfaces;

namespace Jetstream.Grains;

/// <summary>
/// How far the processor has got: every event up to <see cref="TimeUs"/> (and, on the v2 wire, up to <see cref="Seq"/>)
/// is in a message the queue acknowledged or was skipped on purpose. <see cref="Endpoint"/> is the server whose clock
/// and numbering they come from: <c>time_us</c> is only unique per instance, a seq only means something on its own
/// instance. One value, handed along: the sink derives it, the checkpoint persists it, the planner resumes from it.
/// A struct because the sink moves it for every skipped event while idle, and that path allocates nothing.
/// </summary>
public readonly record struct CursorPosition(long? TimeUs, long? Seq, string? Endpoint)
{
    public static readonly CursorPosition None = default;

    /// <summary>Seconds from the cursor's time to <paramref name="now"/>, to the millisecond; null before the first event.</summary>
    public double? LagSeconds(DateTimeOffset now) => Lag(TimeUs, now);

    /// <summary>The one lag formula (/status, /stats and the <c>jetstream.cursor.lag</c> metric).</summary>
    public static double? Lag(long? timeUs, DateTimeOffset now) =>
        timeUs is { } us ? Math.Round(Math.Max(0, (now - UnixMicroseconds.ToTime(us)).TotalSeconds), 3) : null;
}
