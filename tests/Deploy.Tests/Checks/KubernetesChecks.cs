using Jetstream.Deploy.Tests.Files;
using Jetstream.Storage;
using Jetstream.OrleansHosting;
using Jetstream.TestSupport;

namespace Jetstream.Deploy.Tests.Checks;

/// <summary>
/// Checks rendered Kubernetes objects: every container passes <see cref="ContainerChecks"/> (with the image's own
/// environment under the manifest's), probes, resources, non-root, grace periods longer than the hosts' shutdown
/// timeouts, a multi-replica silo cluster with a PodDisruptionBudget, Services and Ingress that reach their pods, and
/// KEDA scaling the consumer on the queue it actually reads.
/// </summary>
public static class KubernetesChecks
{
    private static readonly string[] NamespacedKinds =
        ["Deployment", "Service", "Ingress", "ConfigMap", "Secret", "PodDisruptionBudget", "ScaledObject", "TriggerAuthentication"];

    private static readonly string[] ProbeKinds = ["startupProbe", "livenessProbe", "readinessProbe"];

    public static async Task<IReadOnlyList<string>> CheckAsync(KubernetesObjects objects, bool validate)
    {
        var problems = new List<string>();
        var namespaces = objects.OfKind("Namespace").Select(KubernetesObjects.Name).ToHashSet(StringComparer.Ordinal);
        foreach (var item in objects.All.Where(o => NamespacedKinds.Contains(o.Str("kind"))))
        {
            if (item.At("metadata/namespace") is not string ns || !namespaces.Contains(ns))
            {
                problems.Add($"{item.Str("kind")}/{KubernetesObjects.Name(item)}: namespace '{item.At("metadata/namespace")}' is not one the files create.");
            }
        }

        var surfaces = new Dictionary<string, HostSurface>(StringComparer.Ordinal);
        var storageKeys = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var deployment in objects.OfKind("Deployment"))
        {
            var name = KubernetesObjects.Name(deployment);
            var pod = deployment.At("spec/template");
            var podLabels = pod.At("metadata/labels").Strings();
            if (!Selects(deployment.At("spec/selector/matchLabels").Strings(), podLabels))
            {
                problems.Add($"Deployment/{name}: its selector does not match its pod template's labels.");
            }

            if (pod.At("spec/securityContext/runAsNonRoot") as string != "true")
            {
                problems.Add($"Deployment/{name}: the pod must set securityContext.runAsNonRoot: true.");
            }

            var containers = pod.At("spec").List("containers");
            foreach (var container in containers)
            {
                var where = $"Deployment/{name} container {container.Str("name")}";
                var (spec, containerProblems) = ContainerSpecFor(objects, deployment, container, where);
                problems.AddRange(containerProblems);
                if (spec is null)
                {
                    continue;
                }

                problems.AddRange(await ContainerChecks.CheckAsync(spec, validate));
                var surface = await HostSurface.ForAsync(spec.Host, spec.Environment);
                surfaces[name] = surface;
                if (container.At("env") is List<object?> env
                    && env.FirstOrDefault(e => e.Str("name") == "ConnectionStrings__" + StorageConnection.Name) is { } storage
                    && storage.At("valueFrom/secretKeyRef") is { } secretRef)
                {
                    storageKeys[name] = $"{secretRef.Str("name")}/{secretRef.Str("key")}";
                }

                problems.AddRange(ProbeAndResourceProblems(container, where));
                var grace = pod.At("spec").Int("terminationGracePeriodSeconds") ?? 30;
                if (surface.ShutdownTimeout is { } shutdown && grace <= shutdown.TotalSeconds)
                {
                    problems.Add($"Deployment/{name}: terminationGracePeriodSeconds {grace} does not exceed the host's shutdown timeout ({shutdown.TotalSeconds} s): the pod would be killed mid-shutdown.");
                }

                problems.AddRange(OrleansIdentityProblems(where, spec.Environment, podLabels, surface));
                if (surface.IsSilo)
                {
                    if ((deployment.At("spec").Int("replicas") ?? 1) < 2)
                    {
                        problems.Add($"Deployment/{name}: a silo cluster needs at least 2 replicas, so the processor survives losing one.");
                    }

                    if (surface.Get<OrleansHostingOptions>()?.Clustering != ClusteringMode.AzureStorage)
                    {
                        problems.Add($"Deployment/{name}: Orleans__Clustering must be AzureStorage.");
                    }

                    if (!objects.OfKind("PodDisruptionBudget").Any(pdb => Selects(pdb.At("spec/selector/matchLabels").Strings(), podLabels)))
                    {
                        problems.Add($"Deployment/{name}: no PodDisruptionBudget selects the silo pods.");
                    }
                }
            }
        }

        problems.AddRange(ClusterProblems(surfaces));
        problems.AddRange(DisruptionBudgetProblems(objects));
        problems.AddRange(ServiceProblems(objects));
        problems.AddRange(KedaProblems(objects, surfaces, storageKeys));
        foreach (var group in surfaces.Where(s => s.Value.Get<QueueOptions>() is not null).GroupBy(s => s.Value.Get<QueueOptions>()!.Name).Skip(1))
        {
            problems.Add($"Deployments {string.Join(", ", group.Select(g => g.Key))} use queue '{group.Key}', unlike the others.");
        }

        foreach (var group in storageKeys.GroupBy(s => s.Value).Skip(1))
        {
            problems.Add($"Deployments {string.Join(", ", group.Select(g => g.Key))} read the storage connection string from {group.Key}, unlike the others.");
        }

        return problems;
    }

    /// <summary>The image (matched to a Dockerfile through the compose file's image names) and what the pod gives it.</summary>
    private static (ContainerSpec? Spec, List<string> Problems) ContainerSpecFor(
        KubernetesObjects objects, Dictionary<object, object?> deployment, object? container, string where)
    {
        var problems = new List<string>();
        var image = container.Str("image") ?? string.Empty;
        var dockerfile = DockerfileForImage(image);
        if (dockerfile is null || DockerfileChecks.HostOf(dockerfile) is not { } host)
        {
            problems.Add($"{where}: image '{image}' is built by no Dockerfile of the repository (docker-compose.yml names each image it builds).");
            return (null, problems);
        }

        if (!image.Contains(':', StringComparison.Ordinal) || image.EndsWith(":latest", StringComparison.Ordinal))
        {
            problems.Add($"{where}: image '{image}' must carry a version tag.");
        }

        var (environment, envProblems) = objects.Environment(container, where, deployment.At("metadata/namespace") as string ?? "default");
        problems.AddRange(envProblems);
        var merged = DockerfileChecks.ImageEnvironment(dockerfile);
        foreach (var (name, value) in environment)
        {
            merged[name] = value;
        }

        var ports = container.List("ports")
            .Select(p => (Name: p.Str("name"), Port: p.Int("containerPort") ?? 0))
            .ToList();
        var probes = new List<HttpProbe>();
        foreach (var kind in ProbeKinds)
        {
            if (container.At(kind + "/httpGet") is Dictionary<object, object?> get)
            {
                var port = get.Str("port") is { } portText && ports.FirstOrDefault(p => p.Name == portText) is { Name: not null } named
                    ? named.Port
                    : get.Int("port") ?? -1;
                probes.Add(new HttpProbe(kind, port, get.Str("path") ?? "/"));
            }
        }

        var reached = probes.Select(p => p.Port).ToHashSet();
        return (new ContainerSpec(where, host, merged, ports.Select(p => p.Port).ToHashSet(), reached, probes), problems);
    }

    /// <summary>Images are matched on their repository path, so an overlay's registry and tag do not matter.</summary>
    private static Dockerfile? DockerfileForImage(string image)
    {
        var repository = image.Split('@')[0];
        repository = repository[..(repository.LastIndexOf(':') is var colon && colon > repository.LastIndexOf('/') ? colon : repository.Length)];
        var compose = ComposeFile.Parse(File.ReadAllText(Path.Combine(RepoPaths.Root, ComposeChecks.FileName)),
            new Dictionary<string, string> { ["WEBHOOK_URL"] = "http://unused/" }, RepoPaths.Root);
        foreach (var service in compose.Services.Where(s => s.BuildContext is not null && s.Image is not null))
        {
            var built = service.Image!.Split(':')[0];
            if (repository == built || repository.EndsWith("/" + built, StringComparison.Ordinal))
            {
                var path = Path.Combine(RepoPaths.Root, service.BuildContext!, service.DockerfilePath!);
                return Dockerfile.Parse(Path.GetRelativePath(RepoPaths.Root, path).Replace('\\', '/'), File.ReadAllText(path));
            }
        }

        return null;
    }

    private static IEnumerable<string> ProbeAndResourceProblems(object? container, string where)
    {
        foreach (var kind in ProbeKinds.Where(k => container.At(k) is null))
        {
            yield return $"{where}: no {kind}.";
        }

        foreach (var level in new[] { "requests", "limits" })
        {
            foreach (var resource in new[] { "cpu", "memory" }.Where(r => container.At($"resources/{level}/{r}") is null))
            {
                yield return $"{where}: resources.{level}.{resource} is not set.";
            }
        }
    }

    /// <summary>ORLEANS_SERVICE_ID/ORLEANS_CLUSTER_ID and the orleans/* pod labels must be what the host actually uses.</summary>
    private static IEnumerable<string> OrleansIdentityProblems(string where, IReadOnlyDictionary<string, string> environment, IReadOnlyDictionary<string, string> labels, HostSurface surface)
    {
        if (surface.Get<OrleansHostingOptions>() is not { } orleans)
        {
            yield break;
        }

        foreach (var (variable, setting, label, actual) in new[]
                 {
                     ("ORLEANS_SERVICE_ID", "Orleans__ServiceId", "orleans/serviceId", orleans.ServiceId),
                     ("ORLEANS_CLUSTER_ID", "Orleans__ClusterId", "orleans/clusterId", orleans.ClusterId),
                 })
        {
            if (environment.TryGetValue(variable, out var declared) && declared != actual)
            {
                yield return $"{where}: {variable} is '{declared}' but the host uses '{actual}' (set {setting} from it).";
            }

            if (labels.TryGetValue(label, out var labelled) && labelled != actual)
            {
                yield return $"{where}: pod label {label} is '{labelled}' but the host uses '{actual}'.";
            }
        }
    }

    private static IEnumerable<string> ClusterProblems(Dictionary<string, HostSurface> surfaces)
    {
        var orleans = surfaces.Where(s => s.Value.Get<OrleansHostingOptions>() is not null).ToList();
        foreach (var group in orleans.GroupBy(s => (s.Value.Get<OrleansHostingOptions>()!.ServiceId, s.Value.Get<OrleansHostingOptions>()!.ClusterId)).Skip(1))
        {
            yield return $"Deployments {string.Join(", ", group.Select(g => g.Key))} use Orleans ServiceId/ClusterId {group.Key}, unlike the others: they would not find each other.";
        }

        if (!orleans.Any(s => s.Value.IsSilo))
        {
            yield return "No Deployment runs a silo.";
        }
    }

    private static IEnumerable<string> DisruptionBudgetProblems(KubernetesObjects objects)
    {
        foreach (var pdb in objects.OfKind("PodDisruptionBudget"))
        {
            var selector = pdb.At("spec/selector/matchLabels").Strings();
            var selected = objects.OfKind("Deployment").Where(d => Selects(selector, d.At("spec/template/metadata/labels").Strings())).ToList();
            if (selected.Count != 1)
            {
                yield return $"PodDisruptionBudget/{KubernetesObjects.Name(pdb)}: its selector must match the pods of exactly one Deployment; it matches {selected.Count}.";
            }
            else if (pdb.At("spec").Int("minAvailable") is { } min && min >= (selected[0].At("spec").Int("replicas") ?? 1))
            {
                yield return $"PodDisruptionBudget/{KubernetesObjects.Name(pdb)}: minAvailable {min} leaves no pod of Deployment/{KubernetesObjects.Name(selected[0])} evictable, so node drains would hang.";
            }
        }
    }

    private static IEnumerable<string> ServiceProblems(KubernetesObjects objects)
    {
        foreach (var service in objects.OfKind("Service"))
        {
            var name = KubernetesObjects.Name(service);
            var selector = service.At("spec/selector").Strings();
            var target = objects.OfKind("Deployment").FirstOrDefault(d => selector.Count > 0 && Selects(selector, d.At("spec/template/metadata/labels").Strings()));
            if (target is null)
            {
                yield return $"Service/{name}: its selector matches no Deployment's pods.";
                continue;
            }

            var containerPorts = target.At("spec/template/spec").List("containers").SelectMany(c => c.List("ports")).ToList();
            foreach (var port in service.At("spec").List("ports"))
            {
                var targetPort = port.Str("targetPort") ?? port.Str("port");
                if (!containerPorts.Any(p => p.Str("name") == targetPort || p.Str("containerPort") == targetPort))
                {
                    yield return $"Service/{name}: targetPort '{targetPort}' is no container port of Deployment/{KubernetesObjects.Name(target)}.";
                }
            }
        }

        foreach (var ingress in objects.OfKind("Ingress"))
        {
            foreach (var path in ingress.At("spec").List("rules").SelectMany(r => r.At("http").List("paths")))
            {
                var backend = path.At("backend/service");
                var service = objects.Find("Service", backend.Str("name"));
                var portName = backend.At("port").Str("name") ?? backend.At("port").Str("number");
                if (service is null)
                {
                    yield return $"Ingress/{KubernetesObjects.Name(ingress)}: backend Service '{backend.Str("name")}' is not rendered.";
                }
                else if (!service.At("spec").List("ports").Any(p => p.Str("name") == portName || p.Str("port") == portName))
                {
                    yield return $"Ingress/{KubernetesObjects.Name(ingress)}: Service/{backend.Str("name")} has no port '{portName}'.";
                }
            }
        }
    }

    private static IEnumerable<string> KedaProblems(KubernetesObjects objects, Dictionary<string, HostSurface> surfaces, Dictionary<string, string> storageKeys)
    {
        foreach (var scaled in objects.OfKind("ScaledObject"))
        {
            var name = KubernetesObjects.Name(scaled);
            var targetName = scaled.At("spec/scaleTargetRef").Str("name");
            var target = objects.Find("Deployment", targetName);
            if (target is null)
            {
                yield return $"ScaledObject/{name}: scaleTargetRef '{targetName}' is not a rendered Deployment.";
                continue;
            }

            if (target.At("spec/replicas") is not null)
            {
                yield return $"ScaledObject/{name}: Deployment/{targetName} sets replicas, which fights KEDA's HPA on every apply.";
            }

            foreach (var trigger in scaled.At("spec").List("triggers").Where(t => t.Str("type") == "azure-queue"))
            {
                var queueName = trigger.At("metadata").Str("queueName");
                var reads = surfaces.GetValueOrDefault(targetName!)?.Get<QueueOptions>()?.Name;
                if (queueName != reads)
                {
                    yield return $"ScaledObject/{name}: scales on queue '{queueName}', but Deployment/{targetName} reads '{reads}' (Queue__Name).";
                }

                var authName = trigger.At("authenticationRef").Str("name");
                var auth = objects.Find("TriggerAuthentication", authName);
                var connection = auth?.At("spec").List("secretTargetRef").FirstOrDefault(r => r.Str("parameter") == "connection");
                if (connection is null)
                {
                    yield return $"ScaledObject/{name}: TriggerAuthentication '{authName}' with a 'connection' secretTargetRef is not rendered.";
                    continue;
                }

                var secret = objects.Find("Secret", connection.Str("name"));
                if (secret is null || !KubernetesObjects.Entries(secret).ContainsKey(connection.Str("key")!))
                {
                    yield return $"TriggerAuthentication/{authName}: Secret '{connection.Str("name")}' key '{connection.Str("key")}' is not rendered.";
                }
                else if (storageKeys.GetValueOrDefault(targetName!) is { } used && used != $"{connection.Str("name")}/{connection.Str("key")}")
                {
                    yield return $"TriggerAuthentication/{authName}: KEDA reads {connection.Str("name")}/{connection.Str("key")} but the consumer connects with {used}: another storage account.";
                }
            }
        }
    }

    private static bool Selects(IReadOnlyDictionary<string, string> selector, IReadOnlyDictionary<string, string> labels) =>
        selector.Count > 0 && selector.All(s => labels.TryGetValue(s.Key, out var value) && value == s.Value);
}
