using System.Text.Json.Serialization;

namespace Jetstream.Api.Subscriptions;

/// <summary>
/// Body of <c>POST /subscriptions</c> and <c>PUT /subscriptions/{id}</c>. Unknown members are refused (a typo is a 400
/// naming it, not a silently ignored setting).
/// </summary>
[JsonUnmappedMemberHandling(JsonUnmappedMemberHandling.Disallow)]
public sealed record SubscriptionRequest
{
    /// <summary>Required on POST; on PUT it may be left out or must equal the id in the path.</summary>
    public string? Id { get; init; }

    /// <summary>NSIDs or <c>prefix.*</c>, at most 100; empty or left out: every collection.</summary>
    public string[]? WantedCollections { get; init; }

    /// <summary>DIDs, at most 10,000; empty or left out: every repo.</summary>
    public string[]? WantedDids { get; init; }

    /// <summary>
    /// Exact NSIDs (at most 100) whose repositories a backfill lists at the relay; left out: the exact NSIDs of
    /// <c>wantedCollections</c>. Only finds repositories: the records sent are those <c>wantedCollections</c> matches.
    /// </summary>
    public string[]? BackfillCollections { get; init; }

    /// <summary>On create only: true starts a backfill of every existing record once the subscription is stored.</summary>
    public bool? Backfill { get; init; }

    /// <summary>Jetstream subscribe URLs (<c>wss://…/subscribe</c>); empty or left out: the silo's <c>Jetstream:Endpoints</c>.</summary>
    public string[]? Endpoints { get; init; }

    /// <summary><c>commit</c>, <c>identity</c>, <c>account</c>; default <c>["commit"]</c>.</summary>
    public string[]? ForwardKinds { get; init; }

    public WebhookRequest? Webhook { get; init; }

    /// <summary>Default true; false creates it paused.</summary>
    public bool? Enabled { get; init; }
}

/// <summary>Where a subscription's events go. Secrets and bearer token are write-only.</summary>
[JsonUnmappedMemberHandling(JsonUnmappedMemberHandling.Disallow)]
public sealed record WebhookRequest
{
    /// <summary>Absolute http(s) URL.</summary>
    public string? Url { get; init; }

    /// <summary>Standard Webhooks secrets (<c>whsec_</c> + base64), each signing every request. On PUT, left out: keep the stored ones; empty: none.</summary>
    public string[]? Secrets { get; init; }

    /// <summary>Sent as <c>Authorization: Bearer …</c>. On PUT, left out: keep the stored one; empty string: none.</summary>
    public string? BearerToken { get; init; }

    /// <summary>1-600 s; left out: the consumer's <c>Webhook:TimeoutSeconds</c>.</summary>
    public int? TimeoutSeconds { get; init; }

    /// <summary>Most events per request, 1-1000 (1: one request per event); left out: the consumer's <c>Webhook:BatchMaxEvents</c>.</summary>
    public int? BatchMaxEvents { get; init; }

    /// <summary>Most bytes of a batch's body, 1024-16777216; left out: the consumer's <c>Webhook:BatchMaxBytes</c>.</summary>
    public int? BatchMaxBytes { get; init; }

    /// <summary>Milliseconds a short receive waits for more events before its batches go, 0-10000; left out: the consumer's <c>Webhook:BatchMaxWait</c>.</summary>
    public int? BatchMaxWaitMs { get; init; }

    /// <summary>
    /// Most requests per second to this webhook, 1-10000, from each consumer process (N consumer replicas together send
    /// up to N times as many); left out: no limit. Waiting for it spends no retry attempt and keeps each DID's order.
    /// </summary>
    public int? MaxRequestsPerSecond { get; init; }
}
