using System.Diagnostics;

namespace Jetstream.TestSupport;

/// <summary>
/// A real Azurite server (from the repository's <c>node_modules</c>) on its own free ports and data folder,
/// for tests that stop and restart storage. Stopped with SIGKILL: Azurite takes minutes to exit on SIGTERM.
/// </summary>
public sealed class AzuriteProcess : IAsyncDisposable
{
    private const string AccountKey = "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==";
    private readonly string _location;
    private Process? _process;

    private AzuriteProcess(string location, int blobPort, int queuePort, int tablePort)
    {
        _location = location;
        BlobPort = blobPort;
        QueuePort = queuePort;
        TablePort = tablePort;
    }

    public int BlobPort { get; }

    public int QueuePort { get; }

    public int TablePort { get; }

    public string ConnectionString => ConnectionStringFor(BlobPort, QueuePort, TablePort);

    public bool IsRunning => _process is { HasExited: false };

    public static string ConnectionStringFor(int blobPort, int queuePort, int tablePort) =>
        "DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;" +
        $"AccountKey={AccountKey};" +
        $"BlobEndpoint=http://127.0.0.1:{blobPort}/devstoreaccount1;" +
        $"QueueEndpoint=http://127.0.0.1:{queuePort}/devstoreaccount1;" +
        $"TableEndpoint=http://127.0.0.1:{tablePort}/devstoreaccount1;";

    public static async Task<AzuriteProcess> StartAsync()
    {
        var location = Path.Combine(Path.GetTempPath(), "azurite-test-" + Guid.NewGuid().ToString("N")[..8]);
        Directory.CreateDirectory(location);
        var azurite = new AzuriteProcess(location, FreePort.Next(), FreePort.Next(), FreePort.Next());
        await azurite.StartAgainAsync();
        return azurite;
    }

    /// <summary>A server on free ports over an existing data folder (another run's), which it deletes when disposed.</summary>
    public static async Task<AzuriteProcess> StartOnAsync(string location)
    {
        var azurite = new AzuriteProcess(location, FreePort.Next(), FreePort.Next(), FreePort.Next());
        await azurite.StartAgainAsync();
        return azurite;
    }

    /// <summary>Starts the server (again) on the same ports and data, waiting until all three services accept connections.</summary>
    public async Task StartAgainAsync()
    {
        if (!File.Exists(RepoPaths.AzuriteBin))
        {
            throw new InvalidOperationException($"Azurite is not installed at {RepoPaths.AzuriteBin}: run 'npm ci' in the repository root.");
        }

        // A bash watchdog owns the node process and kills it when the test host goes away, even when the test
        // runner kills the host without running exit handlers.
        var azurite = string.Join(' ', new[]
        {
            "node", Quote(RepoPaths.AzuriteBin), "--silent", "--loose", "--skipApiVersionCheck", "--disableProductStyleUrl", "--disableTelemetry",
            "--location", Quote(_location),
            "--blobHost", "127.0.0.1", "--blobPort", BlobPort.ToString(),
            "--queueHost", "127.0.0.1", "--queuePort", QueuePort.ToString(),
            "--tableHost", "127.0.0.1", "--tablePort", TablePort.ToString(),
        });
        var psi = new ProcessStartInfo("bash")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        psi.ArgumentList.Add("-c");
        psi.ArgumentList.Add($"{azurite} & child=$!; trap 'kill -9 $child' EXIT; while kill -0 {Environment.ProcessId} 2>/dev/null && kill -0 $child 2>/dev/null; do sleep 1; done");

        _process = Process.Start(psi) ?? throw new InvalidOperationException("Azurite did not start.");
        _process.OutputDataReceived += (_, _) => { };
        _process.ErrorDataReceived += (_, _) => { };
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();

        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (DateTime.UtcNow < deadline)
        {
            if (_process.HasExited)
            {
                throw new InvalidOperationException($"Azurite exited with code {_process.ExitCode}.");
            }

            if (await FreePort.IsListeningAsync(BlobPort) && await FreePort.IsListeningAsync(QueuePort) && await FreePort.IsListeningAsync(TablePort))
            {
                return;
            }

            await Task.Delay(100);
        }

        throw new TimeoutException("Azurite did not listen within 30 s.");
    }

    private static string Quote(string value) => "'" + value.Replace("'", "'\\''") + "'";

    /// <summary>Kills the server at once, as an outage would.</summary>
    public void Kill()
    {
        if (_process is { HasExited: false } process)
        {
            process.Kill(entireProcessTree: true);
            process.WaitForExit(10_000);
        }

        _process?.Dispose();
        _process = null;
    }

    public ValueTask DisposeAsync()
    {
        Kill();
        try
        {
            Directory.Delete(_location, recursive: true);
        }
        catch (IOException)
        {
        }

        return ValueTask.CompletedTask;
    }
}
