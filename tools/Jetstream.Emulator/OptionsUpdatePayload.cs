using System.Text.Json.Serialization;

namespace Jetstream.Emulator;

internal sealed class OptionsUpdatePayload
{
    [JsonPropertyName("wantedCollections")] public string[]? WantedCollections { get; init; }

    [JsonPropertyName("wantedDids")] public string[]? WantedDids { get; init; }

    /// <summary>Parsed so a wrong type is rejected as Go would, then ignored as the legacy server does.</summary>
    [JsonPropertyName("maxMessageSizeBytes")] public long MaxMessageSizeBytes { get; init; }
}
