using System.Globalization;

namespace Jetstream.Bench.Pipeline;

/// <summary>
/// CPU seconds of a process's threads with a given name, from <c>/proc/&lt;pid&gt;/task/*/stat</c>. The runtime's
/// tiered-compilation thread (<c>.NET Tiered Com</c>) recompiles hot methods at tier 1 (and with PGO, instruments them
/// first): its CPU is the JIT's background share, measured as CPU rather than the JIT's own wall-clock timer, which on a
/// loaded machine counts the time the thread waited for a core.
/// The runtime ends that thread after a few idle seconds and starts a new one when there is work again, and an ended
/// thread leaves <c>/proc</c> with its CPU: a plain sum of the threads alive went down, and a window's difference came
/// out negative. So each thread is known by its id and keeps its last reading once it has ended, and the threads are
/// read every half second (<see cref="Watch"/>), so one that lives and ends between two of the report's snapshots is
/// counted up to its last half second.
/// </summary>
internal sealed class ThreadCpu : IDisposable
{
    public const string TieredCompilation = ".NET Tiered Com";

    // USER_HZ: the unit of utime/stime; 100 on every Linux this runs on.
    private const double TicksPerSecond = 100;

    private readonly int _pid;
    private readonly string _threadName;
    private readonly Dictionary<string, long> _ticksByThread = new(StringComparer.Ordinal);
    private readonly Lock _lock = new();
    private readonly CancellationTokenSource _stop = new();

    private ThreadCpu(int pid, string threadName)
    {
        _pid = pid;
        _threadName = threadName;
    }

    /// <summary>Starts reading <paramref name="pid"/>'s threads named <paramref name="threadName"/> every half second.</summary>
    public static ThreadCpu Watch(int pid, string threadName)
    {
        var watch = new ThreadCpu(pid, threadName);
        watch.Read();
        _ = watch.LoopAsync();
        return watch;
    }

    /// <summary>CPU seconds of every thread of that name seen so far, ended ones included; never goes down.</summary>
    public double Seconds
    {
        get
        {
            Read();
            lock (_lock)
            {
                return _ticksByThread.Values.Sum() / TicksPerSecond;
            }
        }
    }

    public void Dispose() => _stop.Cancel();

    private async Task LoopAsync()
    {
        using var timer = new PeriodicTimer(TimeSpan.FromMilliseconds(500));
        try
        {
            while (await timer.WaitForNextTickAsync(_stop.Token))
            {
                Read();
            }
        }
        catch (OperationCanceledException)
        {
        }
    }

    private void Read()
    {
        try
        {
            foreach (var task in Directory.EnumerateDirectories($"/proc/{_pid}/task"))
            {
                try
                {
                    var stat = File.ReadAllText(Path.Combine(task, "stat"));
                    var open = stat.IndexOf('(');
                    var close = stat.LastIndexOf(')');
                    if (stat[(open + 1)..close] != _threadName)
                    {
                        continue;
                    }

                    var fields = stat[(close + 2)..].Split(' ');
                    var ticks = long.Parse(fields[11], CultureInfo.InvariantCulture) + long.Parse(fields[12], CultureInfo.InvariantCulture);
                    lock (_lock)
                    {
                        _ticksByThread[Path.GetFileName(task)] = ticks;
                    }
                }
                catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
                {
                    // The thread ended between the listing and the read.
                }
            }
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            // The process ended: what was read stays.
        }
    }
}
