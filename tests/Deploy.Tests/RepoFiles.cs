using Jetstream.Deploy.Tests.Files;
using Jetstream.TestSupport;

namespace Jetstream.Deploy.Tests;

/// <summary>The deployment files of the repository, and the variable sets the documentation gives for compose.</summary>
internal static class RepoFiles
{
    /// <summary>What docs/docker-compose.md tells a user to export for the live system.</summary>
    public static readonly IReadOnlyDictionary<string, string> LiveVariables = new Dictionary<string, string>
    {
        ["WEBHOOK_URL"] = "https://hooks.example.com/jetstream",
    };

    public static string Compose => File.ReadAllText(Path.Combine(RepoPaths.Root, "docker-compose.yml"));

    public static string OfflineEnvFile => Path.Combine(RepoPaths.Root, "deploy", "compose", "offline.env");

    public static string AksDirectory => Path.Combine(RepoPaths.Root, "deploy", "aks");

    public static IEnumerable<string> DockerfilePaths =>
        Directory.EnumerateFiles(RepoPaths.Root, "Dockerfile", SearchOption.AllDirectories)
            .Select(p => Path.GetRelativePath(RepoPaths.Root, p).Replace('\\', '/'))
            // Any node_modules: tools/atproto-devnet's holds @did-plc/server's own Dockerfile.
            .Where(p => !$"/{p}".Contains("/node_modules/", StringComparison.Ordinal) && !p.Contains("/bin/", StringComparison.Ordinal) && !p.Contains("/obj/", StringComparison.Ordinal))
            .Order(StringComparer.Ordinal);

    public static Dockerfile Dockerfile(string path) => Files.Dockerfile.Parse(path, File.ReadAllText(Path.Combine(RepoPaths.Root, path)));

    /// <summary>The variables and profiles of <c>docker compose --env-file deploy/compose/offline.env up</c>.</summary>
    public static (IReadOnlyDictionary<string, string> Variables, IReadOnlyCollection<string> Profiles) Offline()
    {
        var variables = ComposeFile.ReadEnvFile(File.ReadAllText(OfflineEnvFile));
        return (variables, variables.TryGetValue("COMPOSE_PROFILES", out var profiles) ? profiles.Split(',') : []);
    }

    /// <summary>Copies deploy/aks to a temporary folder and writes the overlay's secrets.env from its example.</summary>
    public static string ProductionOverlayCopy()
    {
        var copy = Directory.CreateTempSubdirectory("aks-").FullName;
        foreach (var file in Directory.EnumerateFiles(AksDirectory, "*", SearchOption.AllDirectories))
        {
            var target = Path.Combine(copy, Path.GetRelativePath(AksDirectory, file));
            Directory.CreateDirectory(Path.GetDirectoryName(target)!);
            File.Copy(file, target);
        }

        var overlay = Path.Combine(copy, "overlays", "production");
        File.Copy(Path.Combine(overlay, "secrets.env.example"), Path.Combine(overlay, "secrets.env"), overwrite: true);
        return overlay;
    }

    /// <summary>Replaces text that must be there, so a mutation test cannot pass by changing nothing.</summary>
    public static string Break(string text, string from, string to)
    {
        Assert.Contains(from, text, StringComparison.Ordinal);
        return text.Replace(from, to, StringComparison.Ordinal);
    }
}
