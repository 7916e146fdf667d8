using Jetstream.Deploy.Tests.Checks;
using Jetstream.Deploy.Tests.Files;
using Jetstream.Deploy.Tests.Hosts;
using Jetstream.TestSupport;

namespace Jetstream.Deploy.Tests;

/// <summary>
/// The checks fail on a broken copy of each file: one mistake at a time, each reported with a message that names it.
/// Without these, a check that found nothing would look the same as one that checks nothing.
/// </summary>
public sealed class BrokenCopyTests
{
    private static readonly Lazy<Task<string>> RenderedBase = new(() => Kustomize.RenderAsync(RepoFiles.AksDirectory));

    [Theory]
    [InlineData("      Webhook__Secret: ${WEBHOOK_SECRET:-}", "      Webhook__Secrett: ${WEBHOOK_SECRET:-}", "Webhook__Secrett does not bind to WebhookOptions")]
    [InlineData("      Webhook__BearerToken: ${WEBHOOK_BEARER_TOKEN:-}", "      Webhook__BearerToken: ${WEBHOOK_BEARER_TOKEN:-}\n      Jetstream__AutoStart: \"false\"", "Jetstream__AutoStart is read by nothing in WebhookConsumer")]
    [InlineData("  ConnectionStrings__AzureStorage:", "  ConnectionStrings__Storage:", "ConnectionStrings__Storage names a connection string no host reads")]
    [InlineData("      Api__AdminToken: ${API_ADMIN_TOKEN:-}", "      Api__AdminToken: short", "Api:AdminToken must be at least 16 characters")]
    [InlineData("      Api__AdminToken: ${API_ADMIN_TOKEN:-}", "      Api__AdminToken: ${API_ADMIN_TOKEN:-}\n      Urls: http://127.0.0.1:8080", "Api listens on 127.0.0.1:8080 only")]
    [InlineData("\"127.0.0.1:8080:8080\"", "\"127.0.0.1:8080:80\"", "port 80 is reached from outside but Api listens on 8080")]
    [InlineData("  stop_grace_period: 45s\n  restart", "  stop_grace_period: 20s\n  restart", "stop_grace_period 20 s does not exceed the host's shutdown timeout")]
    [InlineData("      Webhook__BearerToken: ${WEBHOOK_BEARER_TOKEN:-}", "      Webhook__BearerToken: ${WEBHOOK_BEARER_TOKEN:-}\n      Queue__Name: other-queue", "use queue 'other-queue', unlike the others")]
    [InlineData("      Webhook__BearerToken: ${WEBHOOK_BEARER_TOKEN:-}", "      Webhook__BearerToken: ${WEBHOOK_BEARER_TOKEN:-}\n      Orleans__ClusterId: another", "would not find each other")]
    [InlineData("  Orleans__Clustering: AzureStorage", "  Orleans__Clustering: Localhost", "Orleans__Clustering must be AzureStorage")]
    [InlineData("      Api__AdminToken: ${API_ADMIN_TOKEN:-}", "      Api__AdminToken: ${API_ADMIN_TOKEN:-}\n      Orleans__ClusterId: another", "would not find each other")]
    [InlineData("azurite:3.37.0", "azurite:3.30.0", "differs from the 3.37.0")]
    [InlineData("dockerfile: Api/Dockerfile", "dockerfile: Api/Dockerfile.missing", "does not exist")]
    [InlineData("    hostname: silo-2\n", "    hostname: silo-1\n", "the silos need distinct hostnames")]
    public async Task A_broken_compose_file_is_reported(string from, string to, string reported)
    {
        var broken = RepoFiles.Break(RepoFiles.Compose, from, to);

        var problems = await ComposeChecks.CheckAsync(ComposeFile.Parse(broken, RepoFiles.LiveVariables, RepoPaths.Root), []);

        Assert.Contains(problems, p => p.Contains(reported, StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("WEBHOOK_URL", "http://receiver:9090/", "Webhook__Url points at receiver:9090, but receiver listens on 8080")]
    [InlineData("JETSTREAM_SOURCE", "emulators", "env_file deploy/compose/jetstream-emulators.env does not exist")]
    [InlineData("WEBHOOK_SECRET", "not-a-secret", "Webhook:Secret")]
    public async Task A_broken_offline_variable_is_reported(string variable, string value, string reported)
    {
        var (variables, profiles) = RepoFiles.Offline();
        var broken = new Dictionary<string, string>(variables) { [variable] = value };

        var problems = await ComposeChecks.CheckAsync(ComposeFile.Parse(RepoFiles.Compose, broken, RepoPaths.Root), profiles);

        Assert.Contains(problems, p => p.Contains(reported, StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("COPY Storage/Storage.csproj Storage/\n", "", "Storage/Storage.csproj is not copied before 'dotnet restore'")]
    [InlineData("COPY Grains/ Grains/\n", "", "the sources of Grains/ are not copied before 'dotnet publish'")]
    [InlineData("EXPOSE 8080 11111 30000", "ENV Urls=http://127.0.0.1:8080\nEXPOSE 8080 11111 30000", "Silo listens on 127.0.0.1:8080 only")]
    [InlineData("EXPOSE 8080 11111 30000", "ENV ASPNETCORE_HTTP_PORTS=5000\nEXPOSE 8080 11111 30000", "Silo listens on port 5000, which is not declared")]
    [InlineData("\"/health/ready\"]", "\"/health/readyz\"]", "asks for /health/readyz, which Silo does not map")]
    [InlineData("USER $APP_UID\n", "", "non-root USER")]
    [InlineData("sdk:10.0.401-noble", "sdk:10.0-noble", "pinned to a full version")]
    [InlineData("aspnet:10.0.12-noble", "aspnet:9.0.11-noble", "is not the .NET 10.0 the projects target")]
    [InlineData("EXPOSE 8080 11111 30000", "EXPOSE 8080 11111", "listens on port 30000, which is not declared")]
    [InlineData("COPY --chmod=0755 deploy/docker/http-probe.sh /usr/local/bin/http-probe\n", "", "does not COPY deploy/docker/http-probe.sh")]
    [InlineData("\"Silo.dll\"", "\"Silos.dll\"", "ENTRYPOINT must be")]
    [InlineData("RUN dotnet restore Silo/Silo.csproj", "RUN dotnet restore Grains/Grains.csproj", "dotnet restore must name Silo/Silo.csproj")]
    [InlineData("ENV DOTNET_GCGen1MaxBudget=", "ENV DOTNET_GCgen1MaxBudget=", "DOTNET_GCgen1MaxBudget is not read by the runtime, which reads DOTNET_GCGen1MaxBudget")]
    public async Task A_broken_Dockerfile_is_reported(string from, string to, string reported)
    {
        var broken = Dockerfile.Parse("Silo/Dockerfile", RepoFiles.Break(File.ReadAllText(Path.Combine(RepoPaths.Root, "Silo", "Dockerfile")), from, to));

        var problems = DockerfileChecks.Check(broken).ToList();
        if (DockerfileChecks.HostOf(broken) is { } host && DockerfileChecks.HealthProbe(broken) is { } probe)
        {
            var image = new ContainerSpec(broken.Path, host, DockerfileChecks.ImageEnvironment(broken), broken.ExposedPorts, [probe.Port], [probe]);
            problems.AddRange(await ContainerChecks.CheckAsync(image, validate: true));
        }

        Assert.Contains(problems, p => p.Contains(reported, StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("path: /health/live", "path: /health/livez", "asks for /health/livez, which Silo does not map")]
    [InlineData("name: Orleans__ClusterId", "name: Orleans__ClustreId", "Orleans__ClustreId does not bind to OrleansHostingOptions")]
    [InlineData("value: $(ORLEANS_SERVICE_ID)", "value: $(ORLEANS_SERVICEID)", "refers to $(ORLEANS_SERVICEID), which is not defined before it")]
    [InlineData("terminationGracePeriodSeconds: 60", "terminationGracePeriodSeconds: 30", "terminationGracePeriodSeconds 30 does not exceed the host's shutdown timeout (40 s)")]
    [InlineData("queueName: jetstream-events", "queueName: jetstream-event", "scales on queue 'jetstream-event', but Deployment/webhook-consumer reads 'jetstream-events'")]
    [InlineData("  minAvailable: 1\n  selector:\n    matchLabels:\n      app.kubernetes.io/name: silo", "  minAvailable: 1\n  selector:\n    matchLabels:\n      app.kubernetes.io/name: silo-pods", "no PodDisruptionBudget selects the silo pods")]
    [InlineData("  replicas: 2\n  selector:\n    matchLabels:\n      app.kubernetes.io/name: silo", "  replicas: 1\n  selector:\n    matchLabels:\n      app.kubernetes.io/name: silo", "at least 2 replicas")]
    [InlineData("key: api-admin-token", "key: admin-token", "reads key 'admin-token' of Secret 'jetstream-secrets', which is not rendered")]
    [InlineData("  - key: storage-connection-string\n    name: jetstream-secrets\n    parameter: connection", "  - key: storage\n    name: jetstream-secrets\n    parameter: connection", "key 'storage' is not rendered")]
    [InlineData("orleans/clusterId: jetstream", "orleans/clusterId: another", "pod label orleans/clusterId is 'another' but the host uses 'jetstream'")]
    [InlineData("ORLEANS_CLUSTER_ID: jetstream", "ORLEANS_CLUSTER_ID: jetstream\n  Orleans__Clustering_Typo: x", "Orleans__Clustering_Typo does not bind to OrleansHostingOptions")]
    [InlineData("targetPort: http", "targetPort: web", "targetPort 'web' is no container port")]
    [InlineData("            memory: 1Gi\n", "", "resources.limits.memory is not set")]
    [InlineData("containerPort: 30000", "containerPort: 30001", "listens on port 30000, which is not declared")]
    [InlineData("runAsNonRoot: true", "runAsNonRoot: false", "runAsNonRoot: true")]
    public async Task A_broken_Kubernetes_object_is_reported(string from, string to, string reported)
    {
        var broken = KubernetesObjects.Parse(RepoFiles.Break(await RenderedBase.Value, from, to));

        var problems = await KubernetesChecks.CheckAsync(broken, validate: false);

        Assert.Contains(problems, p => p.Contains(reported, StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_setting_the_host_validation_rejects_is_reported_with_the_setting_name()
    {
        var consumer = HostProject.ForAssembly("WebhookConsumer")!;
        var environment = new Dictionary<string, string>(ContainerEnvironment.AspNetImage)
        {
            ["Urls"] = "http://+:8080",
            ["Webhook__Url"] = "ftp://example.com/",
            ["Webhook__TimeoutSeconds"] = "0",
        };

        var problems = await ContainerChecks.CheckAsync(new ContainerSpec("test", consumer, environment, [8080], [8080], []), validate: true);

        Assert.Contains(problems, p => p.Contains("Webhook:Url must be an absolute http or https URL", StringComparison.Ordinal));
        Assert.Contains(problems, p => p.Contains("Webhook:TimeoutSeconds", StringComparison.Ordinal));
    }
}
