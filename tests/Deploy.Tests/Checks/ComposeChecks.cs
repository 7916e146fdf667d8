using System.Text.Json;
using Jetstream.Deploy.Tests.Files;
using Jetstream.Storage;
using Jetstream.OrleansHosting;
using Jetstream.TestSupport;

namespace Jetstream.Deploy.Tests.Checks;

/// <summary>
/// Checks docker-compose.yml for one set of variables and profiles: build contexts and Dockerfiles exist, every
/// built service passes <see cref="ContainerChecks"/>, dependencies wait on real health checks, the silos form one
/// Azure Table cluster the Api joins, every host shares one queue, and the URLs between services reach a listener.
/// </summary>
public static class ComposeChecks
{
    public const string FileName = "docker-compose.yml";

    public static async Task<IReadOnlyList<string>> CheckAsync(ComposeFile compose, IReadOnlyCollection<string> profiles)
    {
        var problems = new List<string>();
        var active = compose.Active(profiles).ToList();
        var surfaces = new Dictionary<string, HostSurface>(StringComparer.Ordinal);
        var images = new Dictionary<string, Dockerfile>(StringComparer.Ordinal);
        foreach (var service in active)
        {
            var where = $"{FileName} service {service.Name}";
            foreach (var file in service.EnvFiles.Where(f => !File.Exists(Path.Combine(RepoPaths.Root, f))))
            {
                problems.Add($"{where}: env_file {file} does not exist.");
            }

            foreach (var (dependency, condition) in service.DependsOn)
            {
                var target = active.FirstOrDefault(s => s.Name == dependency);
                if (target is null)
                {
                    problems.Add($"{where}: depends on '{dependency}', which is not a service that runs with profiles [{string.Join(", ", profiles)}].");
                }
                else if (condition == "service_healthy" && target.HealthCheck is null && !HasImageHealthCheck(target))
                {
                    problems.Add($"{where}: waits for '{dependency}' to be healthy, but '{dependency}' has no health check.");
                }
            }

            if (service.BuildContext is null)
            {
                problems.AddRange(PrebuiltImageProblems(service, where));
                continue;
            }

            var dockerfilePath = Path.Combine(RepoPaths.Root, service.BuildContext, service.DockerfilePath!);
            if (!Directory.Exists(Path.Combine(RepoPaths.Root, service.BuildContext)) || !File.Exists(dockerfilePath))
            {
                problems.Add($"{where}: build context '{service.BuildContext}' with dockerfile '{service.DockerfilePath}' does not exist.");
                continue;
            }

            var dockerfile = Dockerfile.Parse(Path.GetRelativePath(RepoPaths.Root, dockerfilePath).Replace('\\', '/'), File.ReadAllText(dockerfilePath));
            if (DockerfileChecks.HostOf(dockerfile) is not { } host)
            {
                problems.Add($"{where}: {dockerfile.Path} starts no project of the repository.");
                continue;
            }

            var environment = DockerfileChecks.ImageEnvironment(dockerfile);
            foreach (var (name, value) in service.Environment)
            {
                environment[name] = value;
            }

            var probes = new List<HttpProbe>();
            if (DockerfileChecks.HealthProbe(dockerfile) is { } imageProbe && service.HealthCheck is null)
            {
                probes.Add(imageProbe);
            }

            var spec = new ContainerSpec(where, host, environment, dockerfile.ExposedPorts,
                service.Ports.Select(p => p.Container).Concat(probes.Select(p => p.Port)).ToHashSet(), probes);
            problems.AddRange(await ContainerChecks.CheckAsync(spec, validate: true));
            var surface = await HostSurface.ForAsync(host, environment);
            surfaces[service.Name] = surface;
            images[service.Name] = dockerfile;

            var grace = service.StopGracePeriod ?? TimeSpan.FromSeconds(10);
            if (surface.ShutdownTimeout is { } shutdown && grace <= shutdown)
            {
                problems.Add($"{where}: stop_grace_period {grace.TotalSeconds} s does not exceed the host's shutdown timeout ({shutdown.TotalSeconds} s): Docker would SIGKILL it mid-shutdown.");
            }
        }

        problems.AddRange(ClusterProblems(active, surfaces));
        problems.AddRange(SharedQueueProblems(active, surfaces));
        problems.AddRange(LinkProblems(active, surfaces));
        return problems;
    }

    private static bool HasImageHealthCheck(ComposeService service) =>
        service.BuildContext is not null
        && File.Exists(Path.Combine(RepoPaths.Root, service.BuildContext, service.DockerfilePath!))
        && Dockerfile.Parse(service.DockerfilePath!, File.ReadAllText(Path.Combine(RepoPaths.Root, service.BuildContext, service.DockerfilePath!))).HealthCheck is not null;

    private static IEnumerable<string> PrebuiltImageProblems(ComposeService service, string where)
    {
        if (service.Image is not { } image || !image.Contains(':', StringComparison.Ordinal) || image.EndsWith(":latest", StringComparison.Ordinal))
        {
            yield return $"{where}: image '{service.Image}' must be pinned to a version tag.";
            yield break;
        }

        if (image.StartsWith("mcr.microsoft.com/azure-storage/azurite:", StringComparison.Ordinal))
        {
            var pinned = JsonDocument.Parse(File.ReadAllText(Path.Combine(RepoPaths.Root, "package.json")))
                .RootElement.GetProperty("devDependencies").GetProperty("azurite").GetString();
            if (image.Split(':')[1] != pinned)
            {
                yield return $"{where}: Azurite {image.Split(':')[1]} differs from the {pinned} the tests and the run command use (package.json).";
            }
        }
    }

    private static IEnumerable<string> ClusterProblems(List<ComposeService> active, Dictionary<string, HostSurface> surfaces)
    {
        var orleans = surfaces.Where(s => s.Value.Get<OrleansHostingOptions>() is not null).ToList();
        var silos = orleans.Where(s => s.Value.IsSilo).ToList();
        if (silos.Count < 2)
        {
            yield return $"{FileName}: expected at least two silo services, found {silos.Count}.";
        }

        foreach (var (name, surface) in orleans)
        {
            if (surface.Get<OrleansHostingOptions>()!.Clustering != ClusteringMode.AzureStorage)
            {
                yield return $"{FileName} service {name}: Orleans__Clustering must be AzureStorage (Localhost clustering cannot span containers).";
            }
        }

        foreach (var group in orleans.GroupBy(s => (s.Value.Get<OrleansHostingOptions>()!.ServiceId, s.Value.Get<OrleansHostingOptions>()!.ClusterId)).Skip(1))
        {
            yield return $"{FileName}: services {string.Join(", ", group.Select(g => g.Key))} use Orleans ServiceId/ClusterId {group.Key}, unlike the others: they would not find each other.";
        }

        var hostnames = silos.Select(s => active.Single(a => a.Name == s.Key).Hostname ?? s.Key).ToList();
        if (hostnames.Distinct(StringComparer.Ordinal).Count() != hostnames.Count)
        {
            yield return $"{FileName}: the silos need distinct hostnames; they have {string.Join(", ", hostnames)}.";
        }
    }

    private static IEnumerable<string> SharedQueueProblems(List<ComposeService> active, Dictionary<string, HostSurface> surfaces)
    {
        var users = surfaces.Where(s => s.Value.Get<QueueOptions>() is not null).ToList();
        foreach (var group in users.GroupBy(s => s.Value.Get<QueueOptions>()!.Name).Skip(1))
        {
            yield return $"{FileName}: services {string.Join(", ", group.Select(g => g.Key))} use queue '{group.Key}', unlike the others.";
        }

        var connections = users.Select(s => (s.Key, Value: active.Single(a => a.Name == s.Key).Environment.GetValueOrDefault("ConnectionStrings__" + StorageConnection.Name))).ToList();
        foreach (var group in connections.GroupBy(c => c.Value).Skip(1))
        {
            yield return $"{FileName}: services {string.Join(", ", group.Select(g => g.Key))} use another storage connection string than the others.";
        }
    }

    /// <summary>Every URL in a setting that names another service must reach a port (and path) that service serves.</summary>
    private static IEnumerable<string> LinkProblems(List<ComposeService> active, Dictionary<string, HostSurface> surfaces)
    {
        foreach (var service in active)
        {
            foreach (var (name, value) in service.Environment)
            {
                foreach (var url in Urls(value))
                {
                    var target = active.FirstOrDefault(s => s.Name == url.Host || s.Hostname == url.Host);
                    if (target is null)
                    {
                        continue;
                    }

                    if (surfaces.TryGetValue(target.Name, out var surface))
                    {
                        if (!surface.ListenPorts.Contains(url.Port))
                        {
                            yield return $"{FileName} service {service.Name}: {name} points at {url.Host}:{url.Port}, but {target.Name} listens on {string.Join(", ", surface.ListenPorts)}.";
                        }
                        else if (surface.Routes is { } routes && url.AbsolutePath != "/" && !routes.Contains(url.AbsolutePath, StringComparer.OrdinalIgnoreCase))
                        {
                            yield return $"{FileName} service {service.Name}: {name} asks {target.Name} for {url.AbsolutePath}, which it does not map.";
                        }
                    }
                    else if (!target.Ports.Any(p => p.Container == url.Port))
                    {
                        yield return $"{FileName} service {service.Name}: {name} points at {url.Host}:{url.Port}, which {target.Name} does not serve (ports {string.Join(", ", target.Ports.Select(p => p.Container))}).";
                    }
                }
            }
        }
    }

    private static IEnumerable<Uri> Urls(string value) =>
        value.Split([';', ' '], StringSplitOptions.RemoveEmptyEntries)
            .Select(part => part.Contains('=', StringComparison.Ordinal) && !part.Contains("://", StringComparison.Ordinal) ? string.Empty : part[(part.IndexOf('=', StringComparison.Ordinal) + 1)..])
            .Where(part => part.Contains("://", StringComparison.Ordinal))
            .Select(part => Uri.TryCreate(part, UriKind.Absolute, out var uri) ? uri : null)
            .OfType<Uri>();
}
