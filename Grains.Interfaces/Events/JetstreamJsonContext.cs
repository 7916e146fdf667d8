using System.Text.Json.Serialization;

namespace Jetstream.Grains.Interfaces.Events;

[JsonSourceGenerationOptions(DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(JetstreamEvent))]
public sealed partial class JetstreamJsonContext : JsonSerializerContext;
