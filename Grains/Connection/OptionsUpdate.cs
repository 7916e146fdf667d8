using System.Text.Json.Serialization;

namespace Jetstream.Grains.Connection;

/// <summary>The client → server <c>options_update</c> message (PROTOCOL.md §2.6).</summary>
public sealed record OptionsUpdate(
    [property: JsonPropertyName("payload")] OptionsUpdatePayload Payload)
{
    [JsonPropertyName("type")]
    public string Type => "options_update";
}
