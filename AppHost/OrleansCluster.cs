using System.Globalization;

namespace Jetstream.AppHost;

/// <summary>
/// The silos and the clients (the Api, the consumer) on Azure Table membership, as in the compose file. Aspire.Hosting.Orleans is not used:
/// it configures Orleans through its provider sections (<c>Orleans:Clustering:ProviderType</c>), while our hosts choose
/// the providers themselves from <c>Orleans:Clustering</c> = <c>Localhost</c> | <c>AzureStorage</c>.
/// </summary>
/// <param name="ClusterId">
/// New for every run: a run stopped hard leaves its silos in the membership table as active, and silos of a later run
/// under the same id would wait on them. The processor's cursor and reminders are kept by <paramref name="ServiceId"/>,
/// which stays.
/// </param>
internal sealed record OrleansCluster(string ClusterId, string ServiceId)
{
    public static OrleansCluster ForThisRun(TimeProvider time) =>
        new("jetstream-apphost-" + time.GetUtcNow().ToString("yyyyMMdd-HHmmss", CultureInfo.InvariantCulture), "jetstream-orleans");

    public IResourceBuilder<ProjectResource> Join(IResourceBuilder<ProjectResource> member, IResourceBuilder<IResourceWithConnectionString> storage) =>
        member
            .WithEnvironment("Orleans__Clustering", "AzureStorage")
            .WithEnvironment("Orleans__ClusterId", ClusterId)
            .WithEnvironment("Orleans__ServiceId", ServiceId)
            .WithReference(storage, StorageResources.ConnectionName)
            .WaitFor(storage);
}
