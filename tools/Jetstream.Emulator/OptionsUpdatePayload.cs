using System.Text.Json.Serialization;

namespace Jetstream.Emulator;

// The server's reading of the payload Grains' OptionsUpdatePayload writes: the emulator stands for the real server, so it
// shares no project with the client, reads every field as optional and type-checks maxMessageSizeBytes as Go does.
internal sealed class OptionsUpdatePayload
{
    [JsonPropertyName("wantedCollections")] public string[]? WantedCollections { get; init; }

    [JsonPropertyName("wantedDids")] public string[]? WantedDids { get; init; }

    /// <summary>Parsed so a wrong type is rejected as Go would, then ignored as the legacy server does.</summary>
    [JsonPropertyName("maxMessageSizeBytes")] public long MaxMessageSizeBytes { get; init; }
}
