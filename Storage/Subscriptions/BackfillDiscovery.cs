namespace Jetstream.Storage.Subscriptions;

/// <summary>
/// How a backfill finds a subscription's repositories (issue 18, point 1): its <c>wantedDids</c> when set; otherwise
/// the relay's <c>listReposByCollection</c> for each NSID of <c>backfillCollections</c>, by default the exact NSIDs of
/// <c>wantedCollections</c> (a <c>prefix.*</c> cannot be listed). One rule for the Api's 400 and the job.
/// </summary>
public static class BackfillDiscovery
{
    public static string[] CollectionsOf(SubscriptionDocument document) =>
        document.BackfillCollections ?? document.WantedCollections.Where(c => !c.EndsWith(".*", StringComparison.Ordinal)).Distinct(StringComparer.Ordinal).ToArray();

    /// <summary>Whether there is anything to find repositories by: DIDs, or at least one collection to list.</summary>
    public static bool CanDiscover(SubscriptionDocument document) => document.WantedDids.Length > 0 || CollectionsOf(document).Length > 0;
}
