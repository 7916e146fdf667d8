namespace Jetstream.Grains.Interfaces;

/// <summary>
/// Jetstream's clock: a time is microseconds since the Unix epoch (<c>time_us</c>, the v1 cursor), a span is
/// microseconds. Every conversion between those longs and .NET's time types goes through here, so the unit is written
/// once and a cursor, a lag and a replay's start cannot disagree by a factor of ten.
/// </summary>
public static class UnixMicroseconds
{
    /// <summary>The time <paramref name="time"/> as µs since the epoch (truncated to the microsecond).</summary>
    public static long From(DateTimeOffset time) => (time.UtcTicks - DateTimeOffset.UnixEpoch.UtcTicks) / TimeSpan.TicksPerMicrosecond;

    /// <summary>The µs since the epoch <paramref name="timeUs"/> as a UTC time.</summary>
    public static DateTimeOffset ToTime(long timeUs) => DateTimeOffset.UnixEpoch.AddTicks(timeUs * TimeSpan.TicksPerMicrosecond);

    /// <summary>The length <paramref name="span"/> in µs (truncated to the microsecond).</summary>
    public static long Of(TimeSpan span) => span.Ticks / TimeSpan.TicksPerMicrosecond;

    /// <summary>A length of whole seconds in µs (an option given in seconds).</summary>
    public static long OfSeconds(int seconds) => seconds * 1_000_000L;
}
