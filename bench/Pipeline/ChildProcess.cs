using System.Collections.Concurrent;
using System.Diagnostics;

namespace Jetstream.Bench.Pipeline;

/// <summary>
/// A process the benchmark starts (a host, Azurite, a limit loop) and ends with SIGKILL. Its CPU time and peak RSS are
/// read from <c>/proc</c>, so each host is measured on its own.
/// </summary>
internal sealed class ChildProcess : IAsyncDisposable
{
    private readonly ConcurrentQueue<string> _output = new();
    private readonly ConcurrentDictionary<string, int> _counted = new(StringComparer.Ordinal);
    private readonly Process _process;
    private readonly StreamWriter? _log;

    private ChildProcess(string name, Process process)
    {
        Name = name;
        _process = process;
        if (LogDirectory is { } directory)
        {
            Directory.CreateDirectory(directory);
            var file = Path.Combine(directory, $"{string.Concat(name.Where(char.IsLetterOrDigit))}-{process.Id}.log");
            _log = new StreamWriter(file, append: false) { AutoFlush = true };
        }
    }

    /// <summary>
    /// With <c>--keep-logs DIR</c>: every line each process prints is also written to <c>DIR/{name}-{pid}.log</c>, each
    /// line stamped with the UTC time it was read (to line a host's log up with the bench's timeline).
    /// </summary>
    public static string? LogDirectory { get; set; }

    public string Name { get; }

    public int Pid => _process.Id;

    public bool HasExited => _process.HasExited;

    /// <summary>Lines the process printed (the last 2,000).</summary>
    public IEnumerable<string> Output => _output;

    public static ChildProcess Start(string name, string fileName, IEnumerable<string> arguments, string workingDirectory, IReadOnlyDictionary<string, string>? environment = null)
    {
        var psi = new ProcessStartInfo(fileName)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = workingDirectory,
        };
        foreach (var argument in arguments)
        {
            psi.ArgumentList.Add(argument);
        }

        psi.Environment["DOTNET_ENVIRONMENT"] = "Production";
        psi.Environment["ASPNETCORE_ENVIRONMENT"] = "Production";
        psi.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        foreach (var (key, value) in environment ?? new Dictionary<string, string>())
        {
            psi.Environment[key] = value;
        }

        var process = Process.Start(psi) ?? throw new InvalidOperationException($"{name} did not start ({fileName}).");
        var child = new ChildProcess(name, process);
        process.OutputDataReceived += (_, e) => child.Record(e.Data);
        process.ErrorDataReceived += (_, e) => child.Record(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return child;
    }

    /// <summary>Runs a .NET host from its own build output folder (so it reads its own appsettings.json).</summary>
    public static ChildProcess StartDotnet(string name, string dllPath, IEnumerable<string> arguments, IReadOnlyDictionary<string, string>? environment = null)
    {
        if (!File.Exists(dllPath))
        {
            throw new FileNotFoundException($"{dllPath} is missing: build with 'dotnet build -c Release bench/Pipeline' first.", dllPath);
        }

        return Start(name, "dotnet", [dllPath, .. arguments], Path.GetDirectoryName(dllPath)!, environment);
    }

    public ProcSample Sample() => ProcSample.Read(Pid);

    /// <summary>Resets the kernel's peak-RSS mark (VmHWM), so the next reading is the peak from now on.</summary>
    public void ResetPeakRss() => ProcSample.ResetPeak(Pid);

    public async Task<int> WaitForExitAsync(TimeSpan timeout)
    {
        using var limit = new CancellationTokenSource(timeout);
        await _process.WaitForExitAsync(limit.Token);
        return _process.ExitCode;
    }

    /// <summary>From now on, counts the lines that contain <paramref name="fragment"/> (<see cref="Output"/> keeps only the last lines).</summary>
    public void CountLines(string fragment) => _counted.TryAdd(fragment, 0);

    public int CountedLines(string fragment) => _counted.GetValueOrDefault(fragment);

    public string Tail(int lines = 30) => string.Join('\n', _output.TakeLast(lines));

    public void Kill()
    {
        try
        {
            if (!_process.HasExited)
            {
                _process.Kill(entireProcessTree: true);
                _process.WaitForExit(10_000);
            }
        }
        catch (InvalidOperationException)
        {
            // Already gone.
        }
    }

    public ValueTask DisposeAsync()
    {
        Kill();
        _process.Dispose();
        if (_log is { } log)
        {
            lock (log)
            {
                log.Dispose();
            }
        }

        return ValueTask.CompletedTask;
    }

    private void Record(string? line)
    {
        if (line is null)
        {
            return;
        }

        _output.Enqueue(line);
        if (_log is { } log)
        {
            lock (log)
            {
                log.WriteLine($"{DateTime.UtcNow:HH:mm:ss.fff} {line}");
            }
        }

        foreach (var fragment in _counted.Keys)
        {
            if (line.Contains(fragment, StringComparison.Ordinal))
            {
                _counted.AddOrUpdate(fragment, 1, static (_, n) => n + 1);
            }
        }

        while (_output.Count > 2000 && _output.TryDequeue(out _))
        {
        }
    }
}
