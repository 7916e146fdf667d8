using System.Net.Http.Json;
using System.Text.Json.Serialization;
using System.Text.RegularExpressions;

namespace Jetstream.Grains.Connection;

/// <summary>
/// The XRPC error of a handshake the server refused (PROTOCOL.md §3.1). <c>ClientWebSocket</c> shows the status but not
/// the body, and validation runs before the upgrade, so the same URL read as a plain GET returns the error envelope.
/// The GET goes through the factory's client <see cref="HttpClientName"/> (10 s timeout, registered by <c>AddGrains</c>).
/// </summary>
public sealed partial record XrpcRejection(string Error, string? Message)
{
    public const string HttpClientName = "jetstream-handshake-errors";

    /// <summary>The error named by <paramref name="uri"/>'s pre-upgrade answer, or null when it gives none.</summary>
    public static async Task<XrpcRejection?> ReadAsync(IHttpClientFactory http, Uri uri, CancellationToken cancellationToken)
    {
        var plain = new UriBuilder(uri) { Scheme = uri.Scheme == "wss" ? "https" : "http" }.Uri;
        try
        {
            using var response = await http.CreateClient(HttpClientName).GetAsync(plain, cancellationToken);
            var envelope = await response.Content.ReadFromJsonAsync(XrpcJsonContext.Default.XrpcEnvelope, cancellationToken);
            return envelope?.Error is { } error ? new XrpcRejection(error, envelope.Message) : null;
        }
        catch (Exception ex) when (ex is HttpRequestException or System.Text.Json.JsonException or NotSupportedException or TaskCanceledException)
        {
            return null;
        }
    }

    /// <summary>The first number after <paramref name="label"/> in the message (the floor seq, the cursor to resume at, a dictionary id).</summary>
    public long? NumberAfter(string label)
    {
        var match = Message is null ? null : NumberPattern().Match(Message, Math.Max(0, Message.IndexOf(label, StringComparison.Ordinal)));
        return match is { Success: true } && Message!.Contains(label, StringComparison.Ordinal) && long.TryParse(match.Groups[1].Value, out var value) ? value : null;
    }

    [GeneratedRegex("([0-9]+)")]
    private static partial Regex NumberPattern();
}

public sealed record XrpcEnvelope(
    [property: JsonPropertyName("error")] string? Error,
    [property: JsonPropertyName("message")] string? Message);

[JsonSerializable(typeof(XrpcEnvelope))]
internal sealed partial class XrpcJsonContext : JsonSerializerContext;
