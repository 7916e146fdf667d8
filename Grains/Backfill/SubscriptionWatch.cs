using Jetstream.Storage.Subscriptions;

namespace Jetstream.Grains.Backfill;

/// <summary>
/// What a backfill job reads of its subscription while a run goes: whether it is still active and enabled (at most
/// every 5 s, from the store, so a pause or a delete stops the run within that), its collection filter as it is now,
/// and the mark left by a creation with <c>"backfill": true</c>. One reader of the subscription for the job.
/// </summary>
internal sealed class SubscriptionWatch(SubscriptionStore subscriptions, string subscriptionId)
{
    private static readonly TimeSpan Interval = TimeSpan.FromSeconds(5);
    private DateTimeOffset _checkedAt;

    /// <summary>The stored subscription if it is active (not deleting), else null.</summary>
    public async Task<SubscriptionDocument?> ActiveAsync(CancellationToken cancellationToken = default) =>
        await subscriptions.GetAsync(subscriptionId, cancellationToken) is { Document: { Lifecycle: SubscriptionLifecycle.Active } document } ? document : null;

    /// <summary>Null until the next check is due; then what the store says now.</summary>
    public async Task<SubscriptionCheck?> CheckIfDueAsync(DateTimeOffset now, CancellationToken cancellationToken)
    {
        if (now - _checkedAt < Interval)
        {
            return null;
        }

        _checkedAt = now;
        var stored = await subscriptions.GetAsync(subscriptionId, cancellationToken);
        if (stored?.Document is { Lifecycle: SubscriptionLifecycle.Active, Enabled: true } document)
        {
            return new SubscriptionCheck(Stopped: false, Deleted: false, document.WantedCollections, document.Generation);
        }

        return new SubscriptionCheck(Stopped: true, Deleted: stored is null || stored.Document.Lifecycle != SubscriptionLifecycle.Active, []);
    }

    /// <summary>Removes the "awaiting its first backfill" mark once the run's hold is stored.</summary>
    public Task ClearAwaitingAsync() =>
        subscriptions.ClearAwaitingBackfillAsync(subscriptionId);
}
