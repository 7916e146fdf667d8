using System.Text.Json.Serialization;

namespace Jetstream.Emulator;

// Go's encoding/json matches field names case-insensitively; so does the emulator when reading options_update.
// Named literals let the stats report an unpaced feed (EventsPerSecond = Infinity).
[JsonSourceGenerationOptions(
    PropertyNameCaseInsensitive = true,
    PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase,
    NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals)]
[JsonSerializable(typeof(SubscriberSourcedMessage))]
[JsonSerializable(typeof(OptionsUpdatePayload))]
[JsonSerializable(typeof(EmulatorStats))]
[JsonSerializable(typeof(PublishResponse))]
[JsonSerializable(typeof(RateResponse))]
[JsonSerializable(typeof(DropResponse))]
[JsonSerializable(typeof(HealthResponse))]
[JsonSerializable(typeof(ConnectionsResponse))]
[JsonSerializable(typeof(ConsumerTooSlowResponse))]
[JsonSerializable(typeof(RetentionResponse))]
[JsonSerializable(typeof(DictionaryResponse))]
[JsonSerializable(typeof(XrpcErrorBody))]
internal sealed partial class EmulatorJsonContext : JsonSerializerContext;
