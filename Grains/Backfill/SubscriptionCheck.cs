namespace Jetstream.Grains.Backfill;

/// <summary>
/// What <see cref="SubscriptionWatch"/> found: the run goes on with these collections (and the document's generation,
/// which names the repair index), or stops (paused, or deleted).
/// </summary>
internal readonly record struct SubscriptionCheck(bool Stopped, bool Deleted, string[] WantedCollections, string? Generation = null);
