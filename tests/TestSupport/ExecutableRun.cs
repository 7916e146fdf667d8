using System.Diagnostics;
using System.Text;

namespace Jetstream.TestSupport;

/// <summary>
/// Runs a tool's dll with command-line arguments (the emulators' executable tests); its stdout and stderr are collected
/// so the pipes never fill up. <see cref="HostProcess"/> is for the service's hosts, configured by environment.
/// </summary>
public static class ExecutableRun
{
    public static (Process Process, StringBuilder Output) Start(string dll, string arguments)
    {
        var dotnet = Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } host ? host : "dotnet";
        var info = new ProcessStartInfo(dotnet, $"\"{dll}\" {arguments}")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = AppContext.BaseDirectory,
        };
        var output = new StringBuilder();
        var process = new Process { StartInfo = info };
        process.OutputDataReceived += (_, e) => Append(output, e.Data);
        process.ErrorDataReceived += (_, e) => Append(output, e.Data);
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return (process, output);
    }

    private static void Append(StringBuilder output, string? line)
    {
        if (line is not null)
        {
            lock (output)
            {
                output.AppendLine(line);
            }
        }
    }
}
