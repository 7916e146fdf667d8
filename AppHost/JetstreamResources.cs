using Microsoft.Extensions.DependencyInjection;

namespace Jetstream.AppHost;

/// <summary>The system's resources: each gets its ports, connection string and settings here, and waits for what it needs.</summary>
internal static class JetstreamResources
{
    /// <summary>Offline: the Jetstream emulator, emitting commits in the processor's default collections.</summary>
    public static IResourceBuilder<ProjectResource> AddJetstreamEmulator(this IDistributedApplicationBuilder builder, RunSettings run) =>
        builder.AddProject<Projects.Jetstream_Emulator>("jetstream-emulator", launchProfileName: null)
            .WithFixedHttpEndpoint(run.Ports.Emulator)
            .WithEnvironment("Emulator__EventsPerSecond", run.EmulatorEventsPerSecond.ToString(System.Globalization.CultureInfo.InvariantCulture))
            .WithEnvironment("Emulator__CommitShare", "0.9")
            .WithEnvironment("Emulator__Collections__0", "work.doing.activity")
            .WithEnvironment("Emulator__Collections__1", "blue.2048.game")
            .WithHttpHealthCheck("/health");

    /// <summary>Offline: the receiver that prints one line per delivery and checks every signature.</summary>
    public static IResourceBuilder<ProjectResource> AddPrintingReceiver(
        this IDistributedApplicationBuilder builder, RunSettings run, IResourceBuilder<ParameterResource> webhookSecret)
    {
        builder.Services.AddHealthChecks().AddCheck("receiver-port", new TcpPortsHealthCheck(run.Ports.Receiver));
        return builder.AddProject<Projects.WebhookReceiver>("receiver", launchProfileName: null)
            .WithFixedHttpEndpoint(run.Ports.Receiver)
            .WithEnvironment("Receiver__Port", run.Ports.Receiver.ToString(System.Globalization.CultureInfo.InvariantCulture))
            .WithEnvironment("Receiver__Secret", webhookSecret)
            .WithHealthCheck("receiver-port");
    }

    /// <summary>One silo of the cluster, reading Jetstream from the emulator when there is one.</summary>
    public static IResourceBuilder<ProjectResource> AddSilo(
        this IDistributedApplicationBuilder builder, string name, int httpPort, int siloPort, int gatewayPort,
        OrleansCluster cluster, IResourceBuilder<IResourceWithConnectionString> storage, IResourceBuilder<ProjectResource>? emulator)
    {
        var silo = builder.AddProject<Projects.Silo>(name, launchProfileName: null)
            .WithFixedHttpEndpoint(httpPort)
            .WithFixedTcpEndpoint("orleans-silo", siloPort, "Orleans__SiloPort")
            .WithFixedTcpEndpoint("orleans-gateway", gatewayPort, "Orleans__GatewayPort")
            // Every silo of this run is on this machine: the address other silos and the Api dial.
            .WithEnvironment("Orleans__AdvertisedIPAddress", "127.0.0.1")
            .WithImageRuntimeSettings()
            .WithHttpHealthCheck("/health/ready");
        cluster.Join(silo, storage);
        if (emulator is not null)
        {
            silo.WithEnvironment("Jetstream__Endpoints__0", ReferenceExpression.Create($"ws://127.0.0.1:{emulator.GetEndpoint("http").Property(EndpointProperty.Port)}/subscribe"))
                .WaitFor(emulator);
        }

        return silo;
    }

    /// <summary>The Api, an Orleans client of the cluster, with the admin token for its POST routes and the Orleans Dashboard.</summary>
    public static IResourceBuilder<ProjectResource> AddApi(
        this IDistributedApplicationBuilder builder, RunSettings run, OrleansCluster cluster, IResourceBuilder<IResourceWithConnectionString> storage,
        IResourceBuilder<ParameterResource> adminToken, IEnumerable<IResourceBuilder<ProjectResource>> silos)
    {
        var api = builder.AddProject<Projects.Api>("api", launchProfileName: null)
            .WithFixedHttpEndpoint(run.Ports.Api)
            .WithEnvironment("Api__AdminToken", adminToken)
            .WithHttpHealthCheck("/health/ready");
        cluster.Join(api, storage);
        foreach (var silo in silos)
        {
            api.WaitFor(silo);
        }

        return api;
    }

    /// <summary>
    /// The consumer, an Orleans client of the cluster for wake-on-write; where it delivers is added by one of the
    /// <c>DeliveringTo</c> methods. It waits for storage only: it polls until a silo answers, then joins.
    /// </summary>
    public static IResourceBuilder<ProjectResource> AddWebhookConsumer(
        this IDistributedApplicationBuilder builder, RunSettings run, OrleansCluster cluster, IResourceBuilder<IResourceWithConnectionString> storage) =>
        cluster.Join(
            builder.AddProject<Projects.WebhookConsumer>("webhook-consumer", launchProfileName: null)
                .WithFixedHttpEndpoint(run.Ports.Consumer)
                .WithHttpHealthCheck("/health"),
            storage);

    /// <summary>Delivers to the user's webhook (<c>Webhook__Url</c>), signed with <c>Webhook__Secret</c> when that is set.</summary>
    public static IResourceBuilder<ProjectResource> DeliveringTo(this IResourceBuilder<ProjectResource> consumer, IResourceBuilder<ParameterResource> webhookUrl) =>
        consumer.WithEnvironment("Webhook__Url", webhookUrl);

    /// <summary>
    /// Offline: delivers to the printing receiver, by its endpoint (so the dashboard names it as the peer of each
    /// webhook request), signed with the secret the receiver checks, once the receiver listens.
    /// </summary>
    public static IResourceBuilder<ProjectResource> DeliveringTo(
        this IResourceBuilder<ProjectResource> consumer, IResourceBuilder<ProjectResource> receiver, IResourceBuilder<ParameterResource> webhookSecret) =>
        consumer
            .WithEnvironment("Webhook__Url", ReferenceExpression.Create($"http://127.0.0.1:{receiver.GetEndpoint("http").Property(EndpointProperty.Port)}/"))
            .WithEnvironment("Webhook__Secret", webhookSecret)
            .WaitFor(receiver);
}
