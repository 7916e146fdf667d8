using System.Diagnostics;
using System.Runtime.InteropServices;

namespace Jetstream.Bench.Pipeline;

/// <summary>The machine and the code the run measured.</summary>
internal sealed record MachineInfo(string CpuModel, int Cores, long MemoryBytes, string Kernel, string Runtime, string Commit, bool Dirty, DateTimeOffset Date)
{
    public static MachineInfo Read(string repoRoot)
    {
        var model = Run("lscpu", "", repoRoot).Split('\n')
            .FirstOrDefault(l => l.StartsWith("Model name:", StringComparison.Ordinal))?["Model name:".Length..].Trim() ?? "unknown";
        var memory = File.ReadLines("/proc/meminfo").First(l => l.StartsWith("MemTotal:", StringComparison.Ordinal))
            .Split(' ', StringSplitOptions.RemoveEmptyEntries)[1];
        return new MachineInfo(
            model,
            Environment.ProcessorCount,
            long.Parse(memory, System.Globalization.CultureInfo.InvariantCulture) * 1024,
            RuntimeInformation.OSDescription,
            RuntimeInformation.FrameworkDescription,
            Run("git", "rev-parse HEAD", repoRoot).Trim(),
            Run("git", "status --porcelain --untracked-files=no", repoRoot).Trim().Length > 0,
            DateTimeOffset.UtcNow);
    }

    public static string LoadAverage()
    {
        var parts = File.ReadAllText("/proc/loadavg").Split(' ');
        return $"{parts[0]} {parts[1]} {parts[2]}";
    }

    private static string Run(string file, string arguments, string directory)
    {
        try
        {
            var psi = new ProcessStartInfo(file, arguments) { RedirectStandardOutput = true, RedirectStandardError = true, WorkingDirectory = directory };
            using var process = Process.Start(psi)!;
            var output = process.StandardOutput.ReadToEnd();
            process.WaitForExit();
            return output;
        }
        catch (System.ComponentModel.Win32Exception)
        {
            return "";
        }
    }
}
