using Jetstream.Storage.Subscriptions;

namespace Jetstream.Grains.Connection;

/// <summary>What a subscription asks the server for, in wire-neutral terms; each wire spells it its own way.</summary>
public sealed record WireFilters(string[] Collections, string[] Dids, bool Identity, bool Account)
{
    public static WireFilters For(SubscriptionDocument subscription) => new(
        subscription.WantedCollections,
        subscription.WantedDids,
        subscription.WantsKind(SubscriptionKinds.Identity),
        subscription.WantsKind(SubscriptionKinds.Account));

    /// <summary>Equal filters by value (the arrays are compared element by element).</summary>
    public bool SameAs(WireFilters? other) =>
        other is not null && Identity == other.Identity && Account == other.Account
        && Collections.AsSpan().SequenceEqual(other.Collections) && Dids.AsSpan().SequenceEqual(other.Dids);
}
