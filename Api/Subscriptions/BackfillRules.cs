using Jetstream.Storage.Subscriptions;
using Jetstream.Grains.Interfaces.Events;

namespace Jetstream.Api.Subscriptions;

/// <summary>The backfill members of a subscription request: <c>backfillCollections</c> exact NSIDs, <c>backfill</c> on create only and with something to discover by.</summary>
public static class BackfillRules
{
    public const string CollectionsField = "backfillCollections";

    public static void Check(SubscriptionRequest request, string? routeId, Action<string, string> add)
    {
        var collections = request.BackfillCollections ?? [];
        if (collections.Length > FilterRules.MaxCollections)
        {
            add(CollectionsField, $"{collections.Length} entries; at most {FilterRules.MaxCollections}.");
        }

        for (var i = 0; i < collections.Length; i++)
        {
            if (!Nsid.IsValid(collections[i] ?? string.Empty))
            {
                add($"{CollectionsField}[{i}]", $"'{collections[i]}' is not an exact NSID (e.g. app.bsky.feed.post): the relay lists repositories by one collection, not a prefix.");
            }
        }

        if (request.Backfill is true)
        {
            if (routeId is not null)
            {
                add("backfill", "Only on create; POST /subscriptions/{id}/backfill starts one for an existing subscription.");
            }
            else if (!BackfillDiscovery.CanDiscover(ToProbe(request)))
            {
                add(CollectionsField, NothingToDiscover);
            }
        }
    }

    public const string NothingToDiscover =
        "Nothing to find repositories by: set wantedDids, an exact NSID in wantedCollections, or backfillCollections (a prefix.* filter cannot be listed at the relay).";

    private static SubscriptionDocument ToProbe(SubscriptionRequest request) => new()
    {
        Id = request.Id ?? "probe",
        WantedCollections = request.WantedCollections ?? [],
        WantedDids = request.WantedDids ?? [],
        BackfillCollections = request.BackfillCollections,
    };
}
