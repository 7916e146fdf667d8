using Jetstream.Storage.Subscriptions;
using Jetstream.Grains.Interfaces.Events;

namespace Jetstream.Grains.Processing;

/// <summary>What a subscription keeps of the stream: commits of its collections, and identity/account events if it forwards them.</summary>
public sealed class EventFilter(Utf8CollectionMatcher collections, bool identity, bool account)
{
    public Utf8CollectionMatcher Collections { get; } = collections;

    public bool ForwardIdentity { get; } = identity;

    public bool ForwardAccount { get; } = account;

    public static EventFilter For(SubscriptionDocument subscription) => new(
        new Utf8CollectionMatcher(new CollectionFilter(subscription.WantedCollections)),
        subscription.WantsKind(SubscriptionKinds.Identity),
        subscription.WantsKind(SubscriptionKinds.Account));
}
