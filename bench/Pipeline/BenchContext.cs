namespace Jetstream.Bench.Pipeline;

/// <summary>What every scenario of one run shares: its settings, the repository's builds, the results and the log.</summary>
internal sealed class BenchContext
{
    public BenchContext(BenchSettings settings, RepoLayout layout, Results results)
    {
        Settings = settings;
        Layout = layout;
        Results = results;
        Limits = new LimitRunner(this);
    }

    public BenchSettings Settings { get; }

    public RepoLayout Layout { get; }

    public Results Results { get; }

    /// <summary>Runs the limit loops and records them in <see cref="Results"/>.</summary>
    public LimitRunner Limits { get; }

    /// <summary>Starts a phase: logged with the machine's load average, which the report lists per phase.</summary>
    public void Phase(string name)
    {
        var load = MachineInfo.LoadAverage();
        Results.Load.Add((name, load));
        Log($"== {name} (load average {load})");
    }

    public static void Log(string message) => Console.WriteLine($"[{DateTime.Now:HH:mm:ss}] {message}");

    public static void LogUsage(List<HostUsage> usage) =>
        Log("   " + string.Join("; ", usage.Select(u => $"{u.Host} {u.CpuPercent:F0}% cpu, peak {u.PeakRssBytes / 1048576.0:F0} MB")));
}
