using System.Text.Json;
using System.Text.Json.Serialization.Metadata;

namespace Jetstream.Api.Subscriptions;

/// <summary>
/// Reads a JSON body so that malformed JSON, a wrong type or an unknown member is a problem-details 400 naming the
/// field (from the reader's JSON path), rather than the framework's bare 400.
/// </summary>
public static class RequestBody
{
    public const int MaxBytes = 2 * 1024 * 1024;

    public static async Task<(T? Value, IResult? Problem)> ReadAsync<T>(HttpRequest request, JsonTypeInfo<T> type)
        where T : class
    {
        if (request.ContentLength > MaxBytes)
        {
            return (null, Invalid("$", $"The body is larger than {MaxBytes} bytes."));
        }

        try
        {
            var value = await JsonSerializer.DeserializeAsync(request.Body, type, request.HttpContext.RequestAborted);
            return value is null ? (null, Invalid("$", "A JSON object is required.")) : (value, null);
        }
        catch (JsonException ex)
        {
            var field = string.IsNullOrEmpty(ex.Path) ? "$" : ex.Path.TrimStart('$', '.');
            return (null, Invalid(field.Length == 0 ? "$" : field, FirstSentence(ex.Message)));
        }
    }

    public static IResult Invalid(string field, string message) =>
        TypedResults.ValidationProblem(new Dictionary<string, string[]> { [field] = [message] }, title: "The request is not valid");

    private static string FirstSentence(string message)
    {
        var cut = message.IndexOf(" Path:", StringComparison.Ordinal);
        return cut > 0 ? message[..cut] : message;
    }
}
