using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;
using Jetstream.Deploy.Tests.Files;
using Jetstream.Deploy.Tests.Hosts;
using Jetstream.TestSupport;

namespace Jetstream.Deploy.Tests.Checks;

/// <summary>
/// Checks a Dockerfile on its own: pinned .NET images that fit global.json, a restore layer made of the build
/// settings and every project the host needs, sources that exist, a non-root user and a health check.
/// </summary>
public static partial class DockerfileChecks
{
    public const string ProbeScript = "deploy/docker/http-probe.sh";

    public const string ProbeCommand = "http-probe";

    private static readonly string[] BuildSettings = ["global.json", "Directory.Build.props", "Directory.Packages.props"];

    /// <summary>The host project the image runs (from ENTRYPOINT ["dotnet", "X.dll"]), or null.</summary>
    public static HostProject? HostOf(Dockerfile dockerfile) =>
        dockerfile.Entrypoint is ["dotnet", var dll] && dll.EndsWith(".dll", StringComparison.Ordinal)
            ? HostProject.ForAssembly(dll[..^4])
            : null;

    /// <summary>The HEALTHCHECK as a probe (http-probe PORT PATH [STATUS]), or null.</summary>
    public static HttpProbe? HealthProbe(Dockerfile dockerfile) =>
        dockerfile.HealthCheck is [ProbeCommand, var port, var path, ..] && int.TryParse(port, CultureInfo.InvariantCulture, out var number)
            ? new HttpProbe("HEALTHCHECK", number, path)
            : null;

    /// <summary>The environment a container of this image starts with: the base image's, then the Dockerfile's ENV.</summary>
    public static Dictionary<string, string> ImageEnvironment(Dockerfile dockerfile)
    {
        var environment = new Dictionary<string, string>(ContainerEnvironment.AspNetImage, StringComparer.Ordinal);
        foreach (var (name, value) in dockerfile.Environment)
        {
            environment[name] = value;
        }

        return environment;
    }

    public static IReadOnlyList<string> Check(Dockerfile dockerfile)
    {
        var problems = new List<string>();
        var where = dockerfile.Path;
        problems.AddRange(ImageProblems(dockerfile));

        var host = HostOf(dockerfile);
        if (host is null)
        {
            problems.Add($"{where}: ENTRYPOINT must be [\"dotnet\", \"<Project>.dll\"] for a project of the repository; it is {JsonSerializer.Serialize(dockerfile.Entrypoint)}.");
            return problems;
        }

        var copies = dockerfile.Instructions.Where(i => i.Keyword == "COPY").ToList();
        foreach (var copy in copies)
        {
            var (flags, sources, _) = Dockerfile.Copy(copy);
            if (flags.Any(f => f.StartsWith("--from", StringComparison.Ordinal)))
            {
                continue;
            }

            foreach (var source in sources.Where(s => !File.Exists(Path.Combine(RepoPaths.Root, s)) && !Directory.Exists(Path.Combine(RepoPaths.Root, s))))
            {
                problems.Add($"{where}:{copy.Line}: COPY source '{source}' does not exist in the build context (the repository root).");
            }
        }

        var closure = host.ProjectClosure();
        var restore = RunOf(dockerfile, "restore");
        var publish = RunOf(dockerfile, "publish");
        if (restore is null || publish is null)
        {
            problems.Add($"{where}: the build stage must RUN dotnet restore, then dotnet publish, of {host.ProjectPath}.");
            return problems;
        }

        foreach (var (run, verb) in new[] { (restore, "restore"), (publish, "publish") })
        {
            if (!run.Arguments.Contains(" " + host.ProjectPath, StringComparison.Ordinal))
            {
                problems.Add($"{where}:{run.Line}: dotnet {verb} must name {host.ProjectPath}, the project of the ENTRYPOINT's {host.AssemblyName}.dll.");
            }
        }

        var copiedBeforeRestore = CopiedSources(dockerfile, copies, restore);
        foreach (var needed in BuildSettings.Concat(closure).Where(n => !copiedBeforeRestore.Contains(n)))
        {
            problems.Add($"{where}: {needed} is not copied before 'dotnet restore' ({host.AssemblyName} needs it: central versions, SDK or a referenced project).");
        }

        var copiedBeforePublish = CopiedSources(dockerfile, copies, publish);
        foreach (var directory in closure.Select(p => Path.GetDirectoryName(p)!.Replace('\\', '/') + "/").Where(d => !copiedBeforePublish.Contains(d)))
        {
            problems.Add($"{where}: the sources of {directory} are not copied before 'dotnet publish'.");
        }

        if (dockerfile.User is not { } user || user is "root" or "0" || user.StartsWith("0:", StringComparison.Ordinal))
        {
            problems.Add($"{where}: the final stage must switch to a non-root USER (the image's $APP_UID); it is {dockerfile.User ?? "unset (root)"}.");
        }

        if (HealthProbe(dockerfile) is null)
        {
            problems.Add($"{where}: HEALTHCHECK must be CMD [\"{ProbeCommand}\", \"PORT\", \"PATH\"]; it is {JsonSerializer.Serialize(dockerfile.HealthCheck)}.");
        }
        else if (!dockerfile.FinalStage.Any(i => i.Keyword == "COPY" && Dockerfile.Copy(i).Sources.Contains(ProbeScript)
                     && Dockerfile.Copy(i).Destination == "/usr/local/bin/" + ProbeCommand))
        {
            problems.Add($"{where}: the health check runs {ProbeCommand}, but the final stage does not COPY {ProbeScript} to /usr/local/bin/{ProbeCommand}.");
        }

        return problems;
    }

    private static IEnumerable<string> ImageProblems(Dockerfile dockerfile)
    {
        var where = dockerfile.Path;
        var stages = dockerfile.Stages;
        if (stages.Count != 2)
        {
            yield return $"{where}: expected two stages (SDK build, ASP.NET Core runtime), found {stages.Count}.";
            yield break;
        }

        var globalJson = JsonDocument.Parse(File.ReadAllText(Path.Combine(RepoPaths.Root, "global.json")));
        var required = Version.Parse(globalJson.RootElement.GetProperty("sdk").GetProperty("version").GetString()!);
        var sdk = PinnedImage().Match(stages[0].Arguments);
        var runtime = PinnedImage().Match(stages[1].Arguments);
        if (!sdk.Success || sdk.Groups["repo"].Value != "sdk")
        {
            yield return $"{where}:{stages[0].Line}: the build stage must be mcr.microsoft.com/dotnet/sdk pinned to a full version (e.g. sdk:10.0.401-noble); it is '{stages[0].Arguments}'.";
        }
        else
        {
            var version = Version.Parse(sdk.Groups["version"].Value);
            if (version.Major != required.Major || version.Minor != required.Minor || version.Build / 100 < required.Build / 100)
            {
                yield return $"{where}: SDK {version} does not satisfy global.json ({required}, same major.minor and at least its feature band).";
            }
        }

        if (!runtime.Success || runtime.Groups["repo"].Value != "aspnet")
        {
            yield return $"{where}:{stages[1].Line}: the final stage must be mcr.microsoft.com/dotnet/aspnet pinned to a full version (e.g. aspnet:10.0.12-noble); it is '{stages[1].Arguments}'.";
        }
        else if (Version.Parse(runtime.Groups["version"].Value) is var version && (version.Major != required.Major || version.Minor != required.Minor))
        {
            yield return $"{where}: runtime {version} is not the .NET {required.Major}.{required.Minor} the projects target.";
        }
    }

    private static DockerInstruction? RunOf(Dockerfile dockerfile, string verb) =>
        dockerfile.Instructions.FirstOrDefault(i => i.Keyword == "RUN" && i.Arguments.StartsWith("dotnet " + verb, StringComparison.Ordinal));

    private static HashSet<string> CopiedSources(Dockerfile dockerfile, IEnumerable<DockerInstruction> copies, DockerInstruction before) =>
        copies.Where(c => dockerfile.IndexOf(c) < dockerfile.IndexOf(before))
            .SelectMany(c => Dockerfile.Copy(c).Sources)
            .ToHashSet(StringComparer.Ordinal);

    [GeneratedRegex(@"^mcr\.microsoft\.com/dotnet/(?<repo>sdk|aspnet):(?<version>\d+\.\d+\.\d+)(-[a-z0-9.-]+)?(\s+AS\s+\w+)?$", RegexOptions.IgnoreCase)]
    private static partial Regex PinnedImage();
}
