namespace Jetstream.Bench.Pipeline;

/// <summary>
/// A span of a cold-to-warm run, in seconds since the feed began: the events delivered in it, each host's CPU in it
/// and the JIT's work in it, and the machine's 1-minute load average at its two ends.
/// </summary>
internal sealed record ColdWarmWindow(
    string Name, double From, double To, long Delivered, IReadOnlyDictionary<string, double> CpuSeconds, JitTotals Jit, string Load)
{
    public double DeliveredPerSecond => To > From ? Delivered / (To - From) : 0;

    /// <summary>CPU µs per delivered event of the named hosts together.</summary>
    public double MicrosPerEvent(params string[] hosts) =>
        Delivered <= 0 ? double.NaN : hosts.Sum(h => CpuSeconds.GetValueOrDefault(h)) * 1e6 / Delivered;
}
