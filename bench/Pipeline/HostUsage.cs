namespace Jetstream.Bench.Pipeline;

/// <summary>One host's CPU time and peak resident memory over a measured window.</summary>
internal sealed record HostUsage(string Host, double CpuSeconds, double WallSeconds, long PeakRssBytes)
{
    /// <summary>Share of one core, in percent (200 % = both cores of this machine).</summary>
    public double CpuPercent => WallSeconds > 0 ? 100 * CpuSeconds / WallSeconds : 0;
}
