using System.Text.Json;

namespace Jetstream.AppHost.Tests;

/// <summary>One span as the Aspire dashboard's telemetry API returns it (OTLP JSON), with the resource that sent it.</summary>
internal sealed record DashboardSpan(string Service, string TraceId, string SpanId, string? ParentSpanId, string Name, IReadOnlyDictionary<string, string> Attributes)
{
    /// <summary>Every span of an OTLP JSON <c>resourceSpans</c> document.</summary>
    public static IReadOnlyList<DashboardSpan> Read(JsonElement response)
    {
        var spans = new List<DashboardSpan>();
        if (!response.TryGetProperty("data", out var data) || !data.TryGetProperty("resourceSpans", out var resourceSpans))
        {
            return spans;
        }

        foreach (var resourceSpan in resourceSpans.EnumerateArray())
        {
            var service = AttributesOf(resourceSpan.GetProperty("resource")).GetValueOrDefault("service.name", "");
            foreach (var scopeSpan in resourceSpan.GetProperty("scopeSpans").EnumerateArray())
            {
                foreach (var span in scopeSpan.GetProperty("spans").EnumerateArray())
                {
                    var parent = span.TryGetProperty("parentSpanId", out var p) && p.GetString() is { Length: > 0 } id ? id : null;
                    spans.Add(new DashboardSpan(
                        service, span.GetProperty("traceId").GetString()!, span.GetProperty("spanId").GetString()!, parent,
                        span.GetProperty("name").GetString()!, AttributesOf(span)));
                }
            }
        }

        return spans;
    }

    public override string ToString() =>
        $"{Service} {Name} trace={TraceId} span={SpanId} parent={ParentSpanId} {string.Join(' ', Attributes.Select(a => $"{a.Key}={a.Value}"))}";

    private static Dictionary<string, string> AttributesOf(JsonElement owner)
    {
        var attributes = new Dictionary<string, string>();
        if (owner.TryGetProperty("attributes", out var list))
        {
            foreach (var attribute in list.EnumerateArray())
            {
                var value = attribute.GetProperty("value");
                attributes[attribute.GetProperty("key").GetString()!] = value.EnumerateObject().FirstOrDefault().Value.ToString();
            }
        }

        return attributes;
    }
}
