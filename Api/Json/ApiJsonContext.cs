using System.Text.Json;
using System.Text.Json.Serialization;
using Jetstream.Api.Backfill;
using Jetstream.Api.DeadLetters;
using Jetstream.Api.Health;
using Jetstream.Api.Stats;
using Jetstream.Api.Subscriptions;
using Jetstream.Grains.Interfaces;

namespace Jetstream.Api.Json;

/// <summary>Serialization of every Api response, generated at compile time (camelCase, indented as the original's).</summary>
[JsonSourceGenerationOptions(
    JsonSerializerDefaults.Web,
    WriteIndented = true,
    Converters = [typeof(CamelCaseEnumConverter<ConnectionState>)])]
[JsonSerializable(typeof(StatsResponse))]
[JsonSerializable(typeof(ConnectionStatus))]
[JsonSerializable(typeof(StatusResponse))]
[JsonSerializable(typeof(WebhookCircuitResponse))]
[JsonSerializable(typeof(MessageResponse))]
[JsonSerializable(typeof(IndexResponse))]
[JsonSerializable(typeof(HealthResponse))]
[JsonSerializable(typeof(DeadLetterResponse))]
[JsonSerializable(typeof(RedriveResponse))]
[JsonSerializable(typeof(SubscriptionRequest))]
[JsonSerializable(typeof(SubscriptionResponse))]
[JsonSerializable(typeof(SubscriptionListResponse))]
[JsonSerializable(typeof(ReplayRequest))]
[JsonSerializable(typeof(ReplayResponse))]
[JsonSerializable(typeof(DeleteResponse))]
[JsonSerializable(typeof(BackfillRequest))]
[JsonSerializable(typeof(BackfillResponse))]
public sealed partial class ApiJsonContext : JsonSerializerContext;
