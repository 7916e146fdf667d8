using Jetstream.TestSupport;

namespace Jetstream.Bench.Pipeline;

/// <summary>The benchmark's own Azurite (from the repository's node_modules) on free ports, ended with SIGKILL.</summary>
internal sealed class Azurite : IAsyncDisposable
{
    private const string AccountKey = "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==";

    private readonly string _location;

    private Azurite(ChildProcess process, string location, int blobPort, int queuePort, int tablePort)
    {
        Process = process;
        _location = location;
        ConnectionString = "DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;" +
            $"AccountKey={AccountKey};" +
            $"BlobEndpoint=http://127.0.0.1:{blobPort}/devstoreaccount1;" +
            $"QueueEndpoint=http://127.0.0.1:{queuePort}/devstoreaccount1;" +
            $"TableEndpoint=http://127.0.0.1:{tablePort}/devstoreaccount1;";
    }

    public ChildProcess Process { get; }

    public string ConnectionString { get; }

    public static async Task<Azurite> StartAsync(RepoLayout layout, bool inMemory)
    {
        if (!File.Exists(layout.AzuriteScript))
        {
            throw new InvalidOperationException($"Azurite is not installed at {layout.AzuriteScript}: run 'npm ci' in {layout.Root} (bench/run.sh does).");
        }

        var location = Path.Combine(Path.GetTempPath(), "azurite-bench-" + Guid.NewGuid().ToString("N")[..8]);
        Directory.CreateDirectory(location);
        int blob = FreePort.Next(), queue = FreePort.Next(), table = FreePort.Next();
        var process = ChildProcess.Start("azurite", "node",
        [
            layout.AzuriteScript, "--silent", "--loose", "--skipApiVersionCheck", "--disableProductStyleUrl", "--disableTelemetry",
            .. (inMemory ? new[] { "--inMemoryPersistence" } : ["--location", location]),
            "--blobHost", "127.0.0.1", "--blobPort", blob.ToString(), "--queueHost", "127.0.0.1", "--queuePort", queue.ToString(),
            "--tableHost", "127.0.0.1", "--tablePort", table.ToString(),
        ], layout.Root);
        var azurite = new Azurite(process, location, blob, queue, table);
        await Ports.WaitUntilAsync(async () => await FreePort.IsListeningAsync(blob) && await FreePort.IsListeningAsync(queue) && await FreePort.IsListeningAsync(table),
            TimeSpan.FromSeconds(60), "Azurite listening", process);
        return azurite;
    }

    public async ValueTask DisposeAsync()
    {
        await Process.DisposeAsync();
        try
        {
            Directory.Delete(_location, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}
