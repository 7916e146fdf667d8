using System.Diagnostics;

namespace Jetstream.Bench.Pipeline;

/// <summary>CPU seconds of each host between <see cref="Start"/> and <see cref="Stop"/>, and its peak RSS.</summary>
internal sealed class UsageWindow
{
    private readonly List<(string Name, Func<ProcSample> Sample, ProcSample Start)> _hosts = [];
    private readonly Stopwatch _clock = new();

    public TimeSpan Elapsed => _clock.Elapsed;

    public static UsageWindow Start(IEnumerable<(string Name, Func<ProcSample> Sample)> hosts)
    {
        var window = new UsageWindow();
        foreach (var (name, sample) in hosts)
        {
            window._hosts.Add((name, sample, sample()));
        }

        window._clock.Start();
        return window;
    }

    public List<HostUsage> Stop()
    {
        _clock.Stop();
        var wall = _clock.Elapsed.TotalSeconds;
        return _hosts.Select(h =>
        {
            var end = h.Sample();
            return new HostUsage(h.Name, end.CpuSeconds - h.Start.CpuSeconds, wall, end.PeakRssBytes);
        }).ToList();
    }
}
