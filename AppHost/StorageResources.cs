using Jetstream.AppHost.Azurite;
using Microsoft.Extensions.Configuration;

namespace Jetstream.AppHost;

internal static class StorageResources
{
    /// <summary>The connection string name every host reads (<c>ConnectionStrings__AzureStorage</c>).</summary>
    public const string ConnectionName = "AzureStorage";

    /// <summary>The pinned Azurite (package.json), relative to the repository root.</summary>
    public const string AzuriteScript = "node_modules/azurite/dist/src/azurite.js";

    /// <summary>
    /// Azurite, unless <c>ConnectionStrings__AzureStorage</c> names a storage account: then that account, as a
    /// connection-string resource, and no Azurite.
    /// </summary>
    public static IResourceBuilder<IResourceWithConnectionString> AddStorage(this IDistributedApplicationBuilder builder, RunSettings run)
    {
        if (!string.IsNullOrWhiteSpace(builder.Configuration.GetConnectionString(ConnectionName)))
        {
            return builder.AddConnectionString(ConnectionName);
        }

        var repositoryRoot = Path.GetDirectoryName(builder.AppHostDirectory)!;
        return builder.AddAzurite("azurite", repositoryRoot, run.AzuriteDirectory, run.Ports.Blob, run.Ports.Queue, run.Ports.Table);
    }
}
