using System.Globalization;
using System.Net;
using System.Text.Json;
using Jetstream.Atproto.Http;

namespace Jetstream.Atproto.Sync;

/// <summary>Turns a failed XRPC response into an <see cref="XrpcException"/>: the error body and the wait the host asks for.</summary>
internal static class XrpcErrorReader
{
    // Error bodies are a line of JSON; a host that sends more is not sending an XRPC error.
    private const int MaxErrorBodyBytes = 16 * 1024;

    public static async Task<XrpcException> ReadAsync(string method, Uri url, HttpResponseMessage response, TimeProvider time, CancellationToken cancellationToken)
    {
        string? error = null;
        string? detail = null;
        try
        {
            var body = await BoundedContent.ReadAsync(response.Content, MaxErrorBodyBytes, cancellationToken);
            (error, detail) = Parse(body);
        }
        catch (HttpRequestException)
        {
            // The status alone still says what happened; a body cut off mid-way adds nothing.
        }

        var status = response.StatusCode;
        var retryAfter = RetryAfter(response, time);
        var message = $"{method} at {url.Authority} answered {(int)status}"
            + (error is null ? "" : $" {error}")
            + (detail is null ? "" : $": {detail}")
            + (retryAfter is { } wait ? $" (retry after {wait.TotalSeconds:0} s)" : "");
        return new XrpcException(method, url.Authority, status, error, message, retryAfter);
    }

    /// <summary>
    /// <c>Retry-After</c> (delta seconds or an HTTP date), else the <c>RateLimit-Reset</c> the reference PDS sends (epoch
    /// seconds), as a wait from now, never negative. Null when neither is there or readable.
    /// </summary>
    public static TimeSpan? RetryAfter(HttpResponseMessage response, TimeProvider time)
    {
        var now = time.GetUtcNow();
        if (response.Headers.RetryAfter is { } retryAfter)
        {
            if (retryAfter.Delta is { } delta)
            {
                return delta < TimeSpan.Zero ? TimeSpan.Zero : delta;
            }

            if (retryAfter.Date is { } date)
            {
                return date > now ? date - now : TimeSpan.Zero;
            }
        }

        if (response.Headers.TryGetValues("RateLimit-Reset", out var values)
            && long.TryParse(values.FirstOrDefault(), NumberStyles.None, CultureInfo.InvariantCulture, out var epochSeconds)
            && epochSeconds < DateTimeOffset.MaxValue.ToUnixTimeSeconds())
        {
            var reset = DateTimeOffset.FromUnixTimeSeconds(epochSeconds);
            return reset > now ? reset - now : TimeSpan.Zero;
        }

        return null;
    }

    private static (string? Error, string? Message) Parse(byte[]? body)
    {
        if (body is null || body.Length == 0)
        {
            return (null, null);
        }

        try
        {
            using var json = JsonDocument.Parse(body, new JsonDocumentOptions { MaxDepth = 8 });
            if (json.RootElement.ValueKind != JsonValueKind.Object)
            {
                return (null, null);
            }

            return (Text(json.RootElement, "error"), Text(json.RootElement, "message"));
        }
        catch (JsonException)
        {
            return (null, null);
        }
    }

    // Cut, since the text ends up in logs and problem reports and the host is anyone.
    private static string? Text(JsonElement root, string name) =>
        root.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String && value.GetString() is { } text
            ? text.Length <= 300 ? text : text[..300] + "…"
            : null;
}
