using System.Text.Json;
using System.Text.Json.Serialization;
using System.Text.Json.Serialization.Metadata;
using Jetstream.Grains.Interfaces;

namespace Jetstream.Api.Stats;

/// <summary>
/// Body of <c>/status</c>: the processor's <see cref="ConnectionStatus"/> with its keys exactly as before, and the
/// webhook endpoint's circuit added as <c>webhookCircuit</c> after them (so a client of the original shape reads it
/// unchanged).
/// </summary>
[JsonConverter(typeof(StatusResponseConverter))]
public sealed record StatusResponse(ConnectionStatus Connection, WebhookCircuitResponse WebhookCircuit);

/// <summary>Writes <see cref="StatusResponse"/> flat: the connection's members, then <c>webhookCircuit</c>.</summary>
public sealed class StatusResponseConverter : JsonConverter<StatusResponse>
{
    public override StatusResponse Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) =>
        throw new NotSupportedException("StatusResponse is only written.");

    public override void Write(Utf8JsonWriter writer, StatusResponse value, JsonSerializerOptions options)
    {
        var connection = (JsonTypeInfo<ConnectionStatus>)options.GetTypeInfo(typeof(ConnectionStatus));
        var circuit = (JsonTypeInfo<WebhookCircuitResponse>)options.GetTypeInfo(typeof(WebhookCircuitResponse));
        using var document = JsonSerializer.SerializeToDocument(value.Connection, connection);
        writer.WriteStartObject();
        foreach (var property in document.RootElement.EnumerateObject())
        {
            property.WriteTo(writer);
        }

        writer.WritePropertyName(options.PropertyNamingPolicy?.ConvertName(nameof(StatusResponse.WebhookCircuit)) ?? nameof(StatusResponse.WebhookCircuit));
        JsonSerializer.Serialize(writer, value.WebhookCircuit, circuit);
        writer.WriteEndObject();
    }
}
