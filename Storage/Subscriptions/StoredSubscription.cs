using Azure;

namespace Jetstream.Storage.Subscriptions;

/// <summary>A subscription document with the version (ETag) it was read at.</summary>
public sealed record StoredSubscription(SubscriptionDocument Document, ETag Version);
