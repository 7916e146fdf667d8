using System.Text.Json.Serialization;

namespace Jetstream.Api.Subscriptions;

/// <summary>One subscription as the Api shows it: its settings (never a secret) and a summary of its status.</summary>
public sealed record SubscriptionResponse
{
    public required string Id { get; init; }

    public required string[] WantedCollections { get; init; }

    public required string[] WantedDids { get; init; }

    /// <summary>Shown only when set: the exact NSIDs a backfill lists repositories by.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string[]? BackfillCollections { get; init; }

    /// <summary>Empty: the silo's configured endpoints.</summary>
    public required string[] Endpoints { get; init; }

    public required string[] ForwardKinds { get; init; }

    /// <summary>Null for <c>default</c> while its webhook comes from the consumer's <c>Webhook:*</c> settings.</summary>
    public WebhookResponse? Webhook { get; init; }

    public bool Enabled { get; init; }

    /// <summary><c>active</c>, or <c>deleting</c> while the consumer delivers what is still queued.</summary>
    public required string Lifecycle { get; init; }

    /// <summary><c>configuration</c> (mirrors the silo's <c>Jetstream:*</c> settings) or <c>api</c>.</summary>
    public required string Source { get; init; }

    public DateTimeOffset CreatedAt { get; init; }

    public DateTimeOffset UpdatedAt { get; init; }

    /// <summary>Null while the subscription is being deleted.</summary>
    public SubscriptionStatusSummary? Status { get; init; }
}

/// <summary>A webhook without its secrets: how many are set, and whether a bearer token is.</summary>
/// <remarks>The batch limits appear only when the subscription sets them, so a webhook without them reads as before.</remarks>
public sealed record WebhookResponse(string Url, int SecretCount, bool HasBearerToken, int? TimeoutSeconds)
{
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public int? BatchMaxEvents { get; init; }

    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public int? BatchMaxBytes { get; init; }

    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public int? BatchMaxWaitMs { get; init; }

    /// <summary>Per consumer process; shown only when set.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public int? MaxRequestsPerSecond { get; init; }
}

public sealed record SubscriptionStatusSummary
{
    public required string State { get; init; }

    public bool Connected { get; init; }

    public long? Cursor { get; init; }

    public double? LagSeconds { get; init; }

    /// <summary>Approximate messages waiting in its queue; null when storage cannot say.</summary>
    public long? QueueDepth { get; init; }

    public long? DeadLetters { get; init; }

    public double EventsPerSecond { get; init; }

    /// <summary>Events received per second over the last minute (all kinds, before filtering): its share of the server's per-IP cap.</summary>
    public double ReceivedPerSecond { get; init; }

    /// <summary>Its webhook endpoint's circuit, as the consumers report it.</summary>
    public Stats.WebhookCircuitResponse WebhookCircuit { get; init; } = Stats.WebhookCircuitReader.Closed;
}

public sealed record SubscriptionListResponse(IReadOnlyList<SubscriptionResponse> Subscriptions);

public sealed record ReplayRequest(string? From);

public sealed record ReplayResponse(string Id, DateTimeOffset From, long Cursor, string Message);

/// <summary>What a delete did, or will do: queued messages delivered first (<c>deleting</c>) or dropped (<c>deleted</c>).</summary>
public sealed record DeleteResponse(string Id, string State, long? QueuedMessages, long? DeadLetters, string Message);
