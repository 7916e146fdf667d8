using System.Text.Json.Serialization;

namespace Jetstream.Api.Backfill;

/// <summary>Body of <c>POST /subscriptions/{id}/backfill</c>, optional: <c>dids</c> backfills (repairs) those repositories only.</summary>
[JsonUnmappedMemberHandling(JsonUnmappedMemberHandling.Disallow)]
public sealed record BackfillRequest
{
    /// <summary>DIDs, at most 10,000; left out: every repository the subscription's discovery finds.</summary>
    public string[]? Dids { get; init; }
}
