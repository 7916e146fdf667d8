using Jetstream.Grains.Interfaces.Backfill;
using Jetstream.Storage.Subscriptions;

namespace Jetstream.Grains.Backfill;

/// <summary>What a start asks for: the DIDs listed (by the call, else the subscription's <c>wantedDids</c>) or discovery at the relay.</summary>
internal static class RunStart
{
    /// <summary>The refusal if there is nothing to start; else null, with the listed DIDs once each (null: discover them).</summary>
    public static BackfillStartRefusal? Listed(SubscriptionDocument subscription, string[]? dids, out string[]? distinct)
    {
        var listed = dids is { Length: > 0 } ? dids : subscription.WantedDids.Length > 0 ? subscription.WantedDids : null;
        distinct = listed?.Distinct(StringComparer.Ordinal).ToArray();
        return listed is null && !BackfillDiscovery.CanDiscover(subscription) ? BackfillStartRefusal.NothingToDiscover : null;
    }
}
