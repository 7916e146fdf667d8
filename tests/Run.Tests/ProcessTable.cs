namespace Jetstream.Run.Tests;

/// <summary>The machine's processes as <c>/proc</c> shows them: what a user would check with <c>ps</c> and <c>pgrep -f</c>.</summary>
internal static class ProcessTable
{
    public static bool IsAlive(int pid) => All().Any(p => p.Pid == pid);

    /// <summary>
    /// Live processes whose environment holds <paramref name="text"/> (in a variable's name or value), with their
    /// command lines: every process of a run inherits the run's environment, while Aspire's orchestrator starts them
    /// detached, outside the tree of the process that started the run.
    /// </summary>
    public static IReadOnlyList<(int Pid, string CommandLine)> WithEnvironmentContaining(string text) =>
        All().Where(p => EnvironmentOf(p.Pid).Contains(text, StringComparison.Ordinal)).Select(p => (p.Pid, p.CommandLine)).ToArray();

    /// <summary>Live processes whose command line contains <paramref name="text"/> (as <c>pgrep -f</c>).</summary>
    public static IReadOnlyList<string> CommandLinesContaining(string text) =>
        All().Select(p => p.CommandLine).Where(c => c.Contains(text, StringComparison.Ordinal)).ToArray();

    /// <summary>A live process's environment variables as it started with them (<c>/proc/&lt;pid&gt;/environ</c>).</summary>
    public static IReadOnlyList<string> VariablesOf(int pid) => EnvironmentOf(pid).Split('\0', StringSplitOptions.RemoveEmptyEntries);

    private static string EnvironmentOf(int pid)
    {
        try
        {
            return File.ReadAllText($"/proc/{pid}/environ");
        }
        catch (IOException)
        {
            return string.Empty;
        }
        catch (UnauthorizedAccessException)
        {
            return string.Empty;
        }
    }

    private static IEnumerable<(int Pid, int Parent, string CommandLine)> All()
    {
        foreach (var dir in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(dir), out var pid))
            {
                continue;
            }

            string stat, commandLine;
            try
            {
                stat = File.ReadAllText(Path.Combine(dir, "stat"));
                commandLine = File.ReadAllText(Path.Combine(dir, "cmdline")).Replace('\0', ' ').TrimEnd();
            }
            catch (IOException)
            {
                continue;
            }
            catch (UnauthorizedAccessException)
            {
                continue;
            }

            // "pid (comm) state ppid ...": comm may hold spaces and parentheses, so read after the last ')'.
            var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
            if (fields[0] == "Z" || fields[0] == "X")
            {
                continue;
            }

            yield return (pid, int.Parse(fields[1], System.Globalization.CultureInfo.InvariantCulture), commandLine);
        }
    }
}
