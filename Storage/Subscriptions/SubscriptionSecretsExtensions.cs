using Azure.Storage.Blobs;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.DataProtection.KeyManagement;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Jetstream.Storage.Subscriptions;

public static class SubscriptionSecretsExtensions
{
    public const string ApplicationName = "Jetstream.Orleans";

    /// <summary>
    /// Data Protection with the cluster's shared key ring (<c>Subscriptions:KeyContainer</c>) and <see cref="WebhookSecrets"/>.
    /// Call after <c>AddEventQueue</c>.
    /// </summary>
    public static IServiceCollection AddWebhookSecrets(this IServiceCollection services)
    {
        services.AddDataProtection().SetApplicationName(ApplicationName);
        services.AddOptions<KeyManagementOptions>()
            .Configure<StorageConnection, IOptions<SubscriptionOptions>>((keys, connection, subscriptions) =>
                keys.XmlRepository = new BlobXmlRepository(connection.Container(subscriptions.Value.KeyContainer)));
        services.AddSingleton<WebhookSecrets>();
        return services;
    }
}
