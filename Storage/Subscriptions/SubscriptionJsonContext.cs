using System.Text.Json;
using System.Text.Json.Serialization;

namespace Jetstream.Storage.Subscriptions;

[JsonSourceGenerationOptions(JsonSerializerDefaults.Web, UseStringEnumConverter = true)]
[JsonSerializable(typeof(SubscriptionDocument))]
[JsonSerializable(typeof(string[]))]
internal sealed partial class SubscriptionJsonContext : JsonSerializerContext;
