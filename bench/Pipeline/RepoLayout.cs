namespace Jetstream.Bench.Pipeline;

/// <summary>Where the repository and the built hosts are: each host runs from its own output folder of the same configuration as this program.</summary>
internal sealed class RepoLayout
{
    private RepoLayout(string root, string configuration)
    {
        Root = root;
        Configuration = configuration;
    }

    public string Root { get; }

    /// <summary>Release or Debug, as this program was built.</summary>
    public string Configuration { get; }

    public string AzuriteScript => Path.Combine(Root, "node_modules", "azurite", "dist", "src", "azurite.js");

    public string SiloDll => HostDll("Silo", "Silo");

    public string ConsumerDll => HostDll("WebhookConsumer", "WebhookConsumer");

    public string ApiDll => HostDll("Api", "Api");

    public string EmulatorDll => HostDll(Path.Combine("tools", "Jetstream.Emulator"), "Jetstream.Emulator");

    public string MicroDll => HostDll(Path.Combine("bench", "Micro"), "Micro");

    /// <summary>This program, started again as a limit loop in its own process.</summary>
    public static string SelfDll => Path.Combine(AppContext.BaseDirectory, "Pipeline.dll");

    public string ReportPath => Path.Combine(Root, "docs", "performance.md");

    /// <summary>
    /// The runtime settings the Silo's container image sets (<c>ENV DOTNET_…</c> lines of Silo/Dockerfile), so the Silo
    /// runs here as it runs in its image: some GC settings are read only from the environment.
    /// </summary>
    public IReadOnlyDictionary<string, string> SiloImageRuntimeEnvironment() =>
        File.ReadLines(Path.Combine(Root, "Silo", "Dockerfile"))
            .Select(line => line.Trim())
            .Where(line => line.StartsWith("ENV DOTNET_", StringComparison.Ordinal))
            .Select(line => line["ENV ".Length..].Split('=', 2))
            .ToDictionary(pair => pair[0], pair => pair[1], StringComparer.Ordinal);

    public static RepoLayout Find()
    {
        var baseDirectory = new DirectoryInfo(AppContext.BaseDirectory);
        // bin/<Configuration>/<tfm>/
        var configuration = baseDirectory.Parent?.Name ?? "Release";
        for (var dir = baseDirectory; dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Jetstream.Orleans.sln")))
            {
                return new RepoLayout(dir.FullName, configuration);
            }
        }

        throw new InvalidOperationException($"Jetstream.Orleans.sln not found above {AppContext.BaseDirectory}.");
    }

    private string HostDll(string projectDirectory, string assembly) =>
        Path.Combine(Root, projectDirectory, "bin", Configuration, "net10.0", assembly + ".dll");
}
