namespace Jetstream.Bench.Pipeline;

/// <summary>Where the repository and the built hosts are: each host runs from its own output folder of the same configuration as this program.</summary>
internal sealed class RepoLayout
{
    private RepoLayout(string root, string configuration, string? hostsDirectory)
    {
        Root = root;
        Configuration = configuration;
        HostsDirectory = hostsDirectory;
    }

    public string Root { get; }

    /// <summary>Release or Debug, as this program was built.</summary>
    public string Configuration { get; }

    public string AzuriteScript => Path.Combine(Root, "node_modules", "azurite", "dist", "src", "azurite.js");

    /// <summary>
    /// Where the published hosts are (<c>--hosts DIR</c>: <c>DIR/Silo/Silo.dll</c>, <c>DIR/WebhookConsumer/…</c>,
    /// <c>DIR/Api/…</c>, as <c>run.sh</c> and the images run them); null runs the hosts from their build output.
    /// </summary>
    public string? HostsDirectory { get; }

    public string SiloDll => ServiceHostDll("Silo");

    public string ConsumerDll => ServiceHostDll("WebhookConsumer");

    public string ApiDll => ServiceHostDll("Api");

    public string EmulatorDll => HostDll(Path.Combine("tools", "Jetstream.Emulator"), "Jetstream.Emulator");

    public string AtprotoEmulatorDll => HostDll(Path.Combine("tools", "Atproto.Emulator"), "Atproto.Emulator");

    public string MicroDll => HostDll(Path.Combine("bench", "Micro"), "Micro");

    /// <summary>This program, started again as a limit loop in its own process.</summary>
    public static string SelfDll => Path.Combine(AppContext.BaseDirectory, "Pipeline.dll");

    /// <summary>The real capture of issue 20's mix, read from the shared folder beside the repository as the tests read it (never copied in).</summary>
    public string Capture152 => Path.Combine(
        Environment.GetEnvironmentVariable("JETSTREAM_SHARED") is { Length: > 0 } shared ? shared : Path.Combine(Root, "..", "shared"), "jetstream", "capture-152.jsonl");

    public string ReportPath => Path.Combine(Root, "docs", "performance.md");

    /// <summary>
    /// The runtime settings the Silo's container image sets (<c>ENV DOTNET_…</c> and <c>ENV MALLOC_…</c> lines of Silo/Dockerfile), so the Silo
    /// runs here as it runs in its image: some GC settings are read only from the environment.
    /// </summary>
    public IReadOnlyDictionary<string, string> SiloImageRuntimeEnvironment() =>
        File.ReadLines(Path.Combine(Root, "Silo", "Dockerfile"))
            .Select(line => line.Trim())
            .Where(line => line.StartsWith("ENV DOTNET_", StringComparison.Ordinal) || line.StartsWith("ENV MALLOC_", StringComparison.Ordinal))
            .Select(line => line["ENV ".Length..].Split('=', 2))
            .ToDictionary(pair => pair[0], pair => pair[1], StringComparer.Ordinal);

    public static RepoLayout Find(string? hostsDirectory = null)
    {
        var baseDirectory = new DirectoryInfo(AppContext.BaseDirectory);
        // bin/<Configuration>/<tfm>/
        var configuration = baseDirectory.Parent?.Name ?? "Release";
        for (var dir = baseDirectory; dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Jetstream.Orleans.sln")))
            {
                var hosts = hostsDirectory is null ? null : Path.GetFullPath(hostsDirectory);
                if (hosts is not null && !File.Exists(Path.Combine(hosts, "Silo", "Silo.dll")))
                {
                    throw new ArgumentException($"--hosts {hostsDirectory}: no Silo/Silo.dll there (publish the hosts first: ./run.sh --publish-only, docs/run.md).");
                }

                return new RepoLayout(dir.FullName, configuration, hosts);
            }
        }

        throw new InvalidOperationException($"Jetstream.Orleans.sln not found above {AppContext.BaseDirectory}.");
    }

    private string ServiceHostDll(string project) =>
        HostsDirectory is null ? HostDll(project, project) : Path.Combine(HostsDirectory, project, project + ".dll");

    private string HostDll(string projectDirectory, string assembly) =>
        Path.Combine(Root, projectDirectory, "bin", Configuration, "net10.0", assembly + ".dll");
}
