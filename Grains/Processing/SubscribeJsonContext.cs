using System.Text.Json.Serialization;

namespace Jetstream.Grains.Processing;

[JsonSerializable(typeof(OptionsUpdate))]
internal sealed partial class SubscribeJsonContext : JsonSerializerContext;
