using System.Globalization;

namespace Jetstream.Bench.Pipeline;

/// <summary>
/// CPU seconds of a process's threads with a given name, from <c>/proc/&lt;pid&gt;/task/*/stat</c>. The runtime's
/// tiered-compilation thread (<c>.NET Tiered Com</c>) recompiles hot methods at tier 1 (and with PGO, instruments them
/// first): its CPU is the JIT's background share, measured as CPU rather than the JIT's own wall-clock timer, which on a
/// loaded machine counts the time the thread waited for a core.
/// </summary>
internal static class ThreadCpu
{
    public const string TieredCompilation = ".NET Tiered Com";

    // USER_HZ: the unit of utime/stime; 100 on every Linux this runs on.
    private const double TicksPerSecond = 100;

    public static double Seconds(int pid, string threadName)
    {
        double seconds = 0;
        try
        {
            foreach (var task in Directory.EnumerateDirectories($"/proc/{pid}/task"))
            {
                try
                {
                    var stat = File.ReadAllText(Path.Combine(task, "stat"));
                    var open = stat.IndexOf('(');
                    var close = stat.LastIndexOf(')');
                    if (stat[(open + 1)..close] != threadName)
                    {
                        continue;
                    }

                    var fields = stat[(close + 2)..].Split(' ');
                    seconds += (long.Parse(fields[11], CultureInfo.InvariantCulture) + long.Parse(fields[12], CultureInfo.InvariantCulture)) / TicksPerSecond;
                }
                catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
                {
                    // The thread ended between the listing and the read.
                }
            }
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return 0;
        }

        return seconds;
    }
}
