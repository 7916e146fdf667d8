namespace Jetstream.Bench.Pipeline;

/// <summary>One host's CPU time, peak resident memory and highest sampled anonymous (own) memory over a measured window.</summary>
internal sealed record HostUsage(string Host, double CpuSeconds, double WallSeconds, long PeakRssBytes, long PeakAnonBytes)
{
    /// <summary>Share of one core, in percent (200 % = both cores of this machine).</summary>
    public double CpuPercent => WallSeconds > 0 ? 100 * CpuSeconds / WallSeconds : 0;
}
