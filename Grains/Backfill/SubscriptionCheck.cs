namespace Jetstream.Grains.Backfill;

/// <summary>What <see cref="SubscriptionWatch"/> found: the run goes on with these collections, or stops (paused, or deleted).</summary>
internal readonly record struct SubscriptionCheck(bool Stopped, bool Deleted, string[] WantedCollections);
