using System.Text.Json;
using System.Text.Json.Serialization;

namespace Jetstream.Grains.Interfaces.Events;

/// <summary>
/// One event of the Jetstream v1 wire (PROTOCOL.md §2.5). Unknown fields (the v2 server's <c>cursor</c>,
/// the pre-2024 <c>type</c>) are ignored; the record stays raw JSON because it can be any lexicon.
/// </summary>
public sealed record JetstreamEvent
{
    [JsonPropertyName("did")] public string Did { get; init; } = "";

    [JsonPropertyName("time_us")] public long TimeUs { get; init; }

    [JsonPropertyName("kind")] public string? Kind { get; init; }

    [JsonPropertyName("commit")] public CommitInfo? Commit { get; init; }

    [JsonPropertyName("identity")] public IdentityInfo? Identity { get; init; }

    [JsonPropertyName("account")] public AccountInfo? Account { get; init; }
}

public sealed record CommitInfo
{
    [JsonPropertyName("rev")] public string? Rev { get; init; }

    [JsonPropertyName("operation")] public string? Operation { get; init; }

    [JsonPropertyName("collection")] public string? Collection { get; init; }

    [JsonPropertyName("rkey")] public string? Rkey { get; init; }

    /// <summary>Absent on deletes.</summary>
    [JsonPropertyName("record")] public JsonElement? Record { get; init; }

    /// <summary>Absent on deletes.</summary>
    [JsonPropertyName("cid")] public string? Cid { get; init; }
}

public sealed record IdentityInfo
{
    [JsonPropertyName("did")] public string? Did { get; init; }

    /// <summary>Optional on the wire.</summary>
    [JsonPropertyName("handle")] public string? Handle { get; init; }

    [JsonPropertyName("seq")] public long Seq { get; init; }

    [JsonPropertyName("time")] public string? Time { get; init; }
}

public sealed record AccountInfo
{
    [JsonPropertyName("active")] public bool Active { get; init; }

    [JsonPropertyName("did")] public string? Did { get; init; }

    [JsonPropertyName("seq")] public long Seq { get; init; }

    /// <summary>Optional: takendown, suspended, deleted, deactivated, desynchronized, throttled.</summary>
    [JsonPropertyName("status")] public string? Status { get; init; }

    [JsonPropertyName("time")] public string? Time { get; init; }
}
