using System.Text.Json.Serialization;

namespace Jetstream.Grains.Connection;

[JsonSerializable(typeof(OptionsUpdate))]
internal sealed partial class SubscribeJsonContext : JsonSerializerContext;
