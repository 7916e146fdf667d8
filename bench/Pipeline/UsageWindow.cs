using System.Diagnostics;

namespace Jetstream.Bench.Pipeline;

/// <summary>
/// CPU seconds of each host between <see cref="Start"/> and <see cref="Stop"/>, its peak RSS (VmHWM) and the highest
/// anonymous RSS seen in samples every 250 ms (the kernel keeps no peak of that).
/// </summary>
internal sealed class UsageWindow
{
    private readonly List<(string Name, Func<ProcSample> Sample, ProcSample Start)> _hosts = [];
    private readonly Stopwatch _clock = new();
    private readonly Dictionary<string, long> _peakAnon = [];
    private Timer? _sampler;

    public TimeSpan Elapsed => _clock.Elapsed;

    public static UsageWindow Start(IEnumerable<(string Name, Func<ProcSample> Sample)> hosts)
    {
        var window = new UsageWindow();
        foreach (var (name, sample) in hosts)
        {
            window._hosts.Add((name, sample, sample()));
        }

        window._clock.Start();
        window._sampler = new Timer(static state => ((UsageWindow)state!).SampleAnon(), window, TimeSpan.Zero, TimeSpan.FromMilliseconds(250));
        return window;
    }

    private void SampleAnon()
    {
        lock (_peakAnon)
        {
            foreach (var (name, sample, _) in _hosts)
            {
                var anon = sample().AnonRssBytes;
                _peakAnon[name] = Math.Max(anon, _peakAnon.GetValueOrDefault(name));
            }
        }
    }

    public List<HostUsage> Stop()
    {
        _clock.Stop();
        _sampler?.Dispose();
        SampleAnon();
        var wall = _clock.Elapsed.TotalSeconds;
        // Disposing the timer does not wait for a callback already running: read the peaks under its lock.
        Dictionary<string, long> peakAnon;
        lock (_peakAnon)
        {
            peakAnon = new Dictionary<string, long>(_peakAnon);
        }

        return _hosts.Select(h =>
        {
            var end = h.Sample();
            return new HostUsage(h.Name, end.CpuSeconds - h.Start.CpuSeconds, wall, end.PeakRssBytes, peakAnon.GetValueOrDefault(h.Name));
        }).ToList();
    }
}
