using System.Collections.Concurrent;
using System.Diagnostics;

namespace Jetstream.TestSupport;

/// <summary>
/// One of the service's hosts run as a real process (<c>dotnet Host.dll</c> from the test's output folder), so a test
/// can kill it with SIGKILL as a crash would, and start it again with the same settings.
/// </summary>
public sealed class HostProcess : IAsyncDisposable
{
    private readonly string _assembly;
    private readonly IReadOnlyDictionary<string, string> _environment;
    private readonly ConcurrentQueue<string> _output = new();
    private Process? _process;

    private HostProcess(string assembly, IReadOnlyDictionary<string, string> environment)
    {
        _assembly = assembly;
        _environment = environment;
    }

    public IEnumerable<string> Output => _output;

    public bool HasExited => _process?.HasExited ?? true;

    /// <summary>Starts <paramref name="assemblyName"/>.dll with configuration given as environment variables (<c>Section__Key</c>).</summary>
    public static HostProcess Start(string assemblyName, IReadOnlyDictionary<string, string> environment)
    {
        var path = Path.Combine(AppContext.BaseDirectory, assemblyName + ".dll");
        if (!File.Exists(path))
        {
            throw new FileNotFoundException($"{assemblyName}.dll is not in the test output; reference its project.", path);
        }

        var host = new HostProcess(path, environment);
        host.StartAgain();
        return host;
    }

    public void StartAgain()
    {
        var psi = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = AppContext.BaseDirectory,
        };
        psi.ArgumentList.Add(_assembly);
        psi.Environment["DOTNET_ENVIRONMENT"] = "Production";
        psi.Environment["Logging__Console__FormatterName"] = "simple";
        foreach (var (key, value) in _environment)
        {
            psi.Environment[key] = value;
        }

        _process = Process.Start(psi) ?? throw new InvalidOperationException($"Could not start {_assembly}.");
        _process.OutputDataReceived += (_, e) => Record(e.Data);
        _process.ErrorDataReceived += (_, e) => Record(e.Data);
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
    }

    /// <summary>SIGKILL: no shutdown hooks, no final checkpoint.</summary>
    public void Kill()
    {
        if (_process is { HasExited: false } process)
        {
            process.Kill(entireProcessTree: true);
            process.WaitForExit(10_000);
        }
    }

    public async Task<int> WaitForExitAsync(TimeSpan timeout)
    {
        using var cts = new CancellationTokenSource(timeout);
        await _process!.WaitForExitAsync(cts.Token);
        return _process.ExitCode;
    }

    public string OutputText() => string.Join('\n', _output);

    public ValueTask DisposeAsync()
    {
        Kill();
        _process?.Dispose();
        return ValueTask.CompletedTask;
    }

    private void Record(string? line)
    {
        if (line is null)
        {
            return;
        }

        _output.Enqueue(line);
        while (_output.Count > 5000 && _output.TryDequeue(out _))
        {
        }
    }
}
