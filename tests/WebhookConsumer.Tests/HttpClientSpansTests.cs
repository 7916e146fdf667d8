using Jetstream.TestSupport;
using Jetstream.WebhookConsumer.Hosting;
using Microsoft.Extensions.Configuration;

namespace Jetstream.WebhookConsumer.Tests;

/// <summary>
/// Issue 20: HttpClient's span per request only when traces are exported (it cost 7-17 µs of CPU per event with one
/// request per event), pinned where the host sets it; tests/Run.Tests/TraceTests checks that the webhook request still
/// carries the trace on without it.
/// </summary>
public sealed class HttpClientSpansTests
{
    [Theory]
    [InlineData(null, false)]
    [InlineData("", false)]
    [InlineData("http://127.0.0.1:4317", true)]
    public void HttpClient_spans_are_wanted_only_when_traces_are_exported(string? endpoint, bool wanted)
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?> { ["OTEL_EXPORTER_OTLP_ENDPOINT"] = endpoint }).Build();

        Assert.Equal(wanted, HttpClientSpans.Wanted(configuration));
    }

    [Fact]
    public void The_host_decides_before_anything_else_makes_an_HttpClient()
    {
        var program = File.ReadAllLines(Path.Combine(RepoPaths.Root, "WebhookConsumer", "Program.cs"));
        var create = Array.FindIndex(program, l => l.Contains("WebApplication.CreateBuilder", StringComparison.Ordinal));

        // The runtime reads the switch once, when the first HttpClient handler is made.
        Assert.Equal("builder.WithHttpClientSpansOnlyWhenExported();", program[create + 1].Trim());
    }
}
