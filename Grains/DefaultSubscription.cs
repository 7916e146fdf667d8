using Jetstream.Storage.Subscriptions;
using Jetstream.Grains.Options;

namespace Jetstream.Grains;

/// <summary>
/// The subscription the environment configures: <c>default</c>, made from <c>Jetstream:*</c> when the silo starts and it
/// does not exist, and kept in step with those settings for as long as nobody changed it through the Api.
/// </summary>
public static class DefaultSubscription
{
    public static async Task EnsureAsync(SubscriptionStore store, JetstreamOptions options, TimeProvider time, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        var configured = new SubscriptionDocument
        {
            Id = SubscriptionDocument.DefaultId,
            WantedCollections = options.WantedCollections,
            WantedDids = options.WantedDids,
            Source = SubscriptionSources.Configuration,
            CreatedAt = now,
            UpdatedAt = now,
        };
        if (await store.TryCreateAsync(configured, cancellationToken))
        {
            return;
        }

        await store.UpdateAsync(SubscriptionDocument.DefaultId, current =>
            current.Source != SubscriptionSources.Configuration || current.Lifecycle != SubscriptionLifecycle.Active
            || (current.WantedCollections.SequenceEqual(configured.WantedCollections) && current.WantedDids.SequenceEqual(configured.WantedDids))
                ? null
                : current with { WantedCollections = configured.WantedCollections, WantedDids = configured.WantedDids, UpdatedAt = now },
            cancellationToken);
    }
}
