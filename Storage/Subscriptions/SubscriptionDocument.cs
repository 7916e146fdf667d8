using System.Text.Json.Serialization;

namespace Jetstream.Storage.Subscriptions;

/// <summary>
/// One subscription as stored (a JSON blob per subscription, see <see cref="SubscriptionStore"/>): what the processor
/// grain reads from Jetstream, what the consumer delivers to. Secrets are kept only as Data Protection payloads.
/// </summary>
public sealed record SubscriptionDocument
{
    /// <summary>The subscription the environment configures (<c>Jetstream:*</c> on the silo, <c>Webhook:*</c> on the consumer).</summary>
    public const string DefaultId = "default";

    public required string Id { get; init; }

    public string[] WantedCollections { get; init; } = [];

    public string[] WantedDids { get; init; } = [];

    /// <summary>
    /// Exact NSIDs whose repositories a backfill lists at the relay; null: the exact NSIDs of <see cref="WantedCollections"/>
    /// (<see cref="BackfillDiscovery"/>). Left out of the stored JSON when unset, so older documents read as before.
    /// </summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string[]? BackfillCollections { get; init; }

    /// <summary>
    /// Created with <c>"backfill": true</c> and its job has not held the live side yet: the processor holds every commit
    /// while it is set (docs/backfill.md, "The seam with live"), so one that activates it in between (a consumer's
    /// wake-on-write registration, a status read) lets nothing through unheld. The job clears it once its hold is stored.
    /// </summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingDefault)]
    public bool AwaitingBackfill { get; init; }

    /// <summary>
    /// Tells this subscription from an earlier one of the same id (deleted, then created again): stamped by
    /// <see cref="SubscriptionStore.TryCreateAsync"/>, never changed. What a backfill keeps per subscription outside the
    /// document (the repair index) is named with it, so the cleanup of a deleted one never touches its successor's and
    /// the successor never repairs against what its predecessor delivered. Null in documents written before it existed.
    /// </summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? Generation { get; init; }

    /// <summary>Subscribe URLs; empty: the silo's <c>Jetstream:Endpoints</c>.</summary>
    public string[] Endpoints { get; init; } = [];

    /// <summary>Event kinds delivered: <c>commit</c>, and optionally <c>identity</c>, <c>account</c>.</summary>
    public string[] ForwardKinds { get; init; } = [SubscriptionKinds.Commit];

    /// <summary>Null for <see cref="DefaultId"/> until one is set through the Api: the consumer's <c>Webhook:*</c> settings apply.</summary>
    public WebhookDocument? Webhook { get; init; }

    /// <summary>False while paused: the processor keeps its cursor and does not read.</summary>
    public bool Enabled { get; init; } = true;

    public SubscriptionLifecycle Lifecycle { get; init; } = SubscriptionLifecycle.Active;

    /// <summary>Set with <see cref="SubscriptionLifecycle.Deleting"/>: drop what is queued instead of delivering it first.</summary>
    public bool DiscardOnDelete { get; init; }

    /// <summary>
    /// <c>configuration</c> while the document mirrors the silo's settings (it is refreshed from them at each start);
    /// <c>api</c> once it was written through the Api (then the stored settings win).
    /// </summary>
    public string Source { get; init; } = SubscriptionSources.Api;

    public DateTimeOffset CreatedAt { get; init; }

    public DateTimeOffset UpdatedAt { get; init; }

    public bool WantsKind(string kind) => Array.IndexOf(ForwardKinds, kind) >= 0;
}

/// <summary>A subscription's receiver. Secrets and bearer token are write-only: stored protected, never returned.</summary>
public sealed record WebhookDocument
{
    public required string Url { get; init; }

    /// <summary>Data Protection payload of the signing secrets (JSON array of <c>whsec_…</c>); null when unsigned.</summary>
    public string? ProtectedSecrets { get; init; }

    public int SecretCount { get; init; }

    /// <summary>Data Protection payload of the bearer token; null when none.</summary>
    public string? ProtectedBearerToken { get; init; }

    /// <summary>Null: the consumer's <c>Webhook:TimeoutSeconds</c>.</summary>
    public int? TimeoutSeconds { get; init; }

    // The batch limits are left out of the stored JSON when unset, so a document without them reads as it always did.

    /// <summary>Most events per request; null: the consumer's <c>Webhook:BatchMaxEvents</c> (1: one request per event).</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public int? BatchMaxEvents { get; init; }

    /// <summary>Most bytes of a batch's body; null: the consumer's <c>Webhook:BatchMaxBytes</c>.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public int? BatchMaxBytes { get; init; }

    /// <summary>Milliseconds a short receive waits for more events; null: the consumer's <c>Webhook:BatchMaxWait</c>.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public int? BatchMaxWaitMs { get; init; }

    /// <summary>Most requests per second to the webhook from each consumer process; null: no limit.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public int? MaxRequestsPerSecond { get; init; }
}

public enum SubscriptionLifecycle
{
    Active,

    /// <summary>Reading has stopped; the consumer delivers (or discards) what is queued, then removes queues and document.</summary>
    Deleting,
}

public static class SubscriptionKinds
{
    public const string Commit = "commit";
    public const string Identity = "identity";
    public const string Account = "account";

    public static readonly string[] All = [Commit, Identity, Account];
}

public static class SubscriptionSources
{
    public const string Configuration = "configuration";
    public const string Api = "api";
}
