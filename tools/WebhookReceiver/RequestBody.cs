using System.Text.Json;
using Microsoft.AspNetCore.Http;

namespace Jetstream.WebhookReceiver;

/// <summary>
/// What the receiver reads from a request's body: the bytes (kept as sent, so a signature is checked over them), the
/// event's <c>time_us</c> for the latency, and its collection and DID for the demo's output line.
/// </summary>
internal static class RequestBody
{
    public static async Task<byte[]> ReadAsync(HttpRequest request, CancellationToken cancellationToken)
    {
        if (request.ContentLength is { } length and <= int.MaxValue)
        {
            var buffer = new byte[length];
            await request.Body.ReadExactlyAsync(buffer, cancellationToken);
            return buffer;
        }

        using var copy = new MemoryStream();
        await request.Body.CopyToAsync(copy, cancellationToken);
        return copy.ToArray();
    }

    /// <summary>The top-level <c>time_us</c>; Jetstream writes it near the start, so the scan stops early.</summary>
    public static long? TryReadTimeUs(byte[] body)
    {
        try
        {
            var reader = new Utf8JsonReader(body);
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
            {
                return null;
            }

            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                var isTime = reader.ValueTextEquals("time_us"u8);
                reader.Read();
                if (isTime)
                {
                    return reader.TokenType == JsonTokenType.Number && reader.TryGetInt64(out var value) ? value : null;
                }

                reader.Skip();
            }
        }
        catch (JsonException)
        {
        }

        return null;
    }

    public static (string Collection, string Did) Describe(byte[] body)
    {
        try
        {
            using var document = JsonDocument.Parse(body);
            var root = document.RootElement;
            var did = root.TryGetProperty("did", out var d) ? d.GetString() : null;
            var collection = root.TryGetProperty("commit", out var commit) && commit.TryGetProperty("collection", out var c) ? c.GetString() : null;
            return (collection ?? "-", did ?? "-");
        }
        catch (Exception ex) when (ex is JsonException or InvalidOperationException)
        {
            return ("(not JSON)", "-");
        }
    }
}
