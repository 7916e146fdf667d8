using System.Text.Json;
using System.Text.Json.Serialization;

namespace Jetstream.Emulator;

/// <summary>A client-to-server frame: <c>{"type":"options_update","payload":{...}}</c> (PROTOCOL.md §2.6).</summary>
internal sealed class SubscriberSourcedMessage
{
    [JsonPropertyName("type")] public string? Type { get; init; }

    [JsonPropertyName("payload")] public JsonElement Payload { get; init; }
}
