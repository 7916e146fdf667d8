using System.Collections.Concurrent;
using System.Diagnostics;
using System.Text;
using System.Text.RegularExpressions;
using Jetstream.TestSupport;

namespace Jetstream.Run.Tests;

/// <summary>
/// <c>run.sh --offline</c> started as a user would, on free ports and with its own Azurite data and log folders, running
/// the AppHost the test build produced (<c>--no-build</c>, this test's configuration) so it never rebuilds under other
/// tests.
/// </summary>
internal sealed partial class RunScript : IAsyncDisposable
{
    private readonly Process _process;
    private readonly ConcurrentQueue<string> _output = new();

    private RunScript(Process process, string stateDirectory, Ports ports)
    {
        _process = process;
        StateDirectory = stateDirectory;
        Ports = ports;
    }

    public Ports Ports { get; }

    public string StateDirectory { get; }

    public int Pid => _process.Id;

    public IReadOnlyList<string> Output => _output.ToArray();

    /// <summary>Lines the printing receiver wrote for accepted deliveries.</summary>
    public IReadOnlyList<string> Deliveries => Output.Where(line => DeliveryLine().IsMatch(line)).ToArray();

    public static RunScript StartOffline(IReadOnlyDictionary<string, string>? settings = null)
    {
        var ports = Ports.Free();
        var state = Path.Combine(Path.GetTempPath(), "run-test-" + Guid.NewGuid().ToString("N")[..8]);
        // Through `env --default-signal=INT`: a shell cannot trap a signal that was ignored when it started, and a test
        // run launched as a background job of a non-interactive shell inherits SIGINT ignored, so Ctrl-C would never
        // reach run.sh's trap. A user's terminal delivers it; this gives the script the same start.
        var psi = new ProcessStartInfo("env")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
            WorkingDirectory = RepoPaths.Root,
        };
        psi.ArgumentList.Add("--default-signal=INT");
        psi.ArgumentList.Add("bash");
        psi.ArgumentList.Add(Path.Combine(RepoPaths.Root, "run.sh"));
        psi.ArgumentList.Add("--offline");
        psi.ArgumentList.Add("--no-build");

        // Only what the test sets reaches the hosts: no setting of the machine's own (Webhook__Url, a storage account...).
        foreach (var key in psi.Environment.Keys.ToArray())
        {
            if (key.Contains("__", StringComparison.Ordinal) || key.StartsWith("OTEL_", StringComparison.Ordinal)
                || key.StartsWith("ASPIRE_", StringComparison.Ordinal) || key.StartsWith("DOTNET_DASHBOARD_", StringComparison.Ordinal)
                || key is "AZURE_STORAGE_CONNECTION_STRING" or "ASPNETCORE_URLS" || key.StartsWith("JETSTREAM_", StringComparison.Ordinal))
            {
                psi.Environment.Remove(key);
            }
        }

        foreach (var (key, value) in ports.Environment())
        {
            psi.Environment[key] = value;
        }

        psi.Environment["JETSTREAM_CONFIGURATION"] = BuildConfiguration;
        psi.Environment["JETSTREAM_AZURITE_DIR"] = Path.Combine(state, "azurite");
        psi.Environment["JETSTREAM_LOG_DIR"] = Path.Combine(state, "logs");
        psi.Environment["JETSTREAM_START_TIMEOUT"] = "180";
        foreach (var (key, value) in settings ?? new Dictionary<string, string>())
        {
            psi.Environment[key] = value;
        }

        var process = Process.Start(psi) ?? throw new InvalidOperationException("env (bash) did not start.");
        var run = new RunScript(process, state, ports);
        process.OutputDataReceived += (_, e) => run.Record(e.Data);
        process.ErrorDataReceived += (_, e) => run.Record(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return run;
    }

    /// <summary>Waits for the banner the AppHost prints once every resource is healthy.</summary>
    public Task WaitUntilRunningAsync() =>
        WaitForOutputAsync(lines => lines.Any(l => l.StartsWith("Press Ctrl-C", StringComparison.Ordinal)), TimeSpan.FromSeconds(200), "the banner");

    public async Task WaitForOutputAsync(Func<IReadOnlyList<string>, bool> condition, TimeSpan timeout, string what)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (!condition(Output))
        {
            if (_process.HasExited)
            {
                throw new InvalidOperationException($"run.sh exited with {_process.ExitCode} before {what}.\n{Diagnostics()}");
            }

            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"Timed out after {timeout} waiting for {what}.\n{Diagnostics()}");
            }

            await Task.Delay(200);
        }
    }

    /// <summary>Ctrl-C: SIGINT to the script alone, as a terminal sends it to its foreground process.</summary>
    public void Interrupt() => Signal("INT", _process.Id);

    public async Task<int> WaitForExitAsync(TimeSpan timeout)
    {
        using var cts = new CancellationTokenSource(timeout);
        try
        {
            await _process.WaitForExitAsync(cts.Token);
        }
        catch (OperationCanceledException)
        {
            throw new TimeoutException($"run.sh did not exit within {timeout}.\n{Diagnostics()}");
        }

        return _process.ExitCode;
    }

    /// <summary>The processes of this run: each inherits the run's environment, which names its state folder.</summary>
    public IReadOnlyList<(int Pid, string CommandLine)> Processes() => ProcessTable.WithEnvironmentContaining(StateDirectory);

    /// <summary>The script's output and the end of each resource's console (the AppHost's log files), for failure messages.</summary>
    public string Diagnostics()
    {
        var text = new StringBuilder("--- run.sh output (last 60 lines) ---\n");
        foreach (var line in Output.TakeLast(60))
        {
            text.AppendLine(line);
        }

        var logs = Path.Combine(StateDirectory, "logs");
        if (Directory.Exists(logs))
        {
            foreach (var log in Directory.GetFiles(logs, "*.log"))
            {
                text.AppendLine($"--- {Path.GetFileName(log)} (last 25 lines) ---");
                foreach (var line in File.ReadLines(log).TakeLast(25))
                {
                    text.AppendLine(line);
                }
            }
        }

        return text.ToString();
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            var leftovers = Processes().Select(p => p.Pid).ToArray();
            Interrupt();
            using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(90));
            try
            {
                await _process.WaitForExitAsync(cts.Token);
            }
            catch (OperationCanceledException)
            {
                foreach (var pid in leftovers.Append(_process.Id))
                {
                    Signal("KILL", pid);
                }
            }
        }

        _process.Dispose();
        try
        {
            Directory.Delete(StateDirectory, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    /// <summary>The build configuration of this test assembly (…/bin/&lt;Configuration&gt;/net10.0/).</summary>
    private static string BuildConfiguration => new DirectoryInfo(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar)).Parent!.Name;

    private static void Signal(string signal, int pid)
    {
        using var kill = Process.Start(new ProcessStartInfo("kill") { ArgumentList = { "-" + signal, pid.ToString(System.Globalization.CultureInfo.InvariantCulture) } });
        kill?.WaitForExit(5000);
    }

    private void Record(string? line)
    {
        if (line is not null)
        {
            _output.Enqueue(line);
        }
    }

    // The receiver's line for an accepted delivery: time, webhook-id, collection, did, signature check, status.
    [GeneratedRegex(@"^\d\d:\d\d:\d\d\.\d{3} evt_[0-9a-f]+ \S+ did:\S+ signature=verified status=200$")]
    private static partial Regex DeliveryLine();
}
