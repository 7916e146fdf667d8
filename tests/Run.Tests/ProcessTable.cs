namespace Jetstream.Run.Tests;

/// <summary>The machine's processes as <c>/proc</c> shows them: what a user would check with <c>ps</c> and <c>pgrep -f</c>.</summary>
internal static class ProcessTable
{
    /// <summary>Every live (not zombie) descendant of <paramref name="pid"/>.</summary>
    public static IReadOnlyList<int> Descendants(int pid)
    {
        var children = new Dictionary<int, List<int>>();
        foreach (var (id, parent, _) in All())
        {
            if (!children.TryGetValue(parent, out var list))
            {
                children[parent] = list = [];
            }

            list.Add(id);
        }

        var found = new List<int>();
        var pending = new Stack<int>([pid]);
        while (pending.TryPop(out var current))
        {
            foreach (var child in children.GetValueOrDefault(current) ?? [])
            {
                found.Add(child);
                pending.Push(child);
            }
        }

        return found;
    }

    public static bool IsAlive(int pid) => All().Any(p => p.Pid == pid);

    /// <summary>Live processes whose command line contains <paramref name="text"/> (as <c>pgrep -f</c>).</summary>
    public static IReadOnlyList<string> CommandLinesContaining(string text) =>
        All().Select(p => p.CommandLine).Where(c => c.Contains(text, StringComparison.Ordinal)).ToArray();

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
