using System.Text.Json.Serialization;

namespace Jetstream.Grains.Connection;

public sealed record OptionsUpdatePayload(
    [property: JsonPropertyName("wantedCollections")] string[] WantedCollections,
    [property: JsonPropertyName("wantedDids")] string[] WantedDids);
