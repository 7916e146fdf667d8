namespace Jetstream.WebhookReceiver;

/// <summary>
/// End-to-end latencies of first deliveries (arrival minus the event's <c>time_us</c>), kept whole so the percentiles
/// are exact rather than estimated; a benchmark phase is at most a few hundred thousand samples.
/// </summary>
internal sealed class LatencySamples
{
    private readonly List<long> _micros = [];
    private readonly Lock _lock = new();

    public void Add(DateTimeOffset arrivedAt, long timeUs)
    {
        var latency = ((arrivedAt - DateTimeOffset.UnixEpoch).Ticks / TimeSpan.TicksPerMicrosecond) - timeUs;
        lock (_lock)
        {
            _micros.Add(latency);
        }
    }

    public void Clear()
    {
        lock (_lock)
        {
            _micros.Clear();
        }
    }

    /// <summary>Percentiles in milliseconds over the samples so far.</summary>
    public LatencySummary Summary()
    {
        long[] samples;
        lock (_lock)
        {
            samples = [.. _micros];
        }

        if (samples.Length == 0)
        {
            return new LatencySummary(0, 0, 0, 0, 0);
        }

        Array.Sort(samples);
        double At(double quantile) => samples[Math.Min(samples.Length - 1, (int)Math.Ceiling(quantile * samples.Length) - 1)] / 1000.0;
        return new LatencySummary(samples.Length, At(0.50), At(0.95), At(0.99), samples[^1] / 1000.0);
    }
}
