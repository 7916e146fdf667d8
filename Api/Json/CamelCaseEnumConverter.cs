using System.Text.Json;
using System.Text.Json.Serialization;

namespace Jetstream.Api.Json;

/// <summary>Writes enum members as camelCase strings (<c>pausedQueueUnavailable</c>), usable from source generation.</summary>
public sealed class CamelCaseEnumConverter<TEnum>() : JsonStringEnumConverter<TEnum>(JsonNamingPolicy.CamelCase)
    where TEnum : struct, Enum;
