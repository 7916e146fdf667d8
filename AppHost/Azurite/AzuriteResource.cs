namespace Jetstream.AppHost.Azurite;

/// <summary>
/// The pinned npm Azurite (package.json) run by Node.js as an executable: Aspire's own Azure Storage emulator resource
/// is a container, and no container runtime is assumed here. Its connection string is Azurite's well-known development
/// account at the ports this run gives it.
/// </summary>
internal sealed class AzuriteResource(string name, string workingDirectory)
    : ExecutableResource(name, "node", workingDirectory), IResourceWithConnectionString
{
    // Azurite's published development account key (the same in the compose file and run.sh before it).
    private const string DevelopmentAccount =
        "DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey=Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==";

    public EndpointReference Blob => new(this, "blob");

    public EndpointReference Queue => new(this, "queue");

    public EndpointReference Table => new(this, "table");

    public ReferenceExpression ConnectionStringExpression => ReferenceExpression.Create(
        $"{DevelopmentAccount};BlobEndpoint=http://127.0.0.1:{Blob.Property(EndpointProperty.Port)}/devstoreaccount1;QueueEndpoint=http://127.0.0.1:{Queue.Property(EndpointProperty.Port)}/devstoreaccount1;TableEndpoint=http://127.0.0.1:{Table.Property(EndpointProperty.Port)}/devstoreaccount1;");
}
