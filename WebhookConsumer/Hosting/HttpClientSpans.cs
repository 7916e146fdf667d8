using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Hosting;

namespace Jetstream.WebhookConsumer.Hosting;

/// <summary>
/// HttpClient's own span per request (its DiagnosticsHandler) only when traces are exported. With the OpenTelemetry
/// HttpClient instrumentation listening, it made an Activity, its tags and a header injection for every webhook
/// request and every storage call even when nothing exported them: 7-17 µs of the consumer's CPU per event with one
/// request per event, and a backlog drained about a quarter slower (docs/cold-start.md, issue 20). The webhook request
/// still carries the trace on: <see cref="Deliver.WebhookSender"/> writes <c>traceparent</c> from its own
/// <c>webhook.deliver</c> span. Under the AppHost (<c>OTEL_EXPORTER_OTLP_ENDPOINT</c> set) every span stays.
/// </summary>
public static class HttpClientSpans
{
    /// <summary>The runtime's switch; <c>DOTNET_SYSTEM_NET_HTTP_ENABLEACTIVITYPROPAGATION</c> sets it too, and then wins.</summary>
    public const string Switch = "System.Net.Http.EnableActivityPropagation";

    private const string SwitchVariable = "DOTNET_SYSTEM_NET_HTTP_ENABLEACTIVITYPROPAGATION";

    /// <summary>Call before the first HttpClient is made: the runtime reads the switch once.</summary>
    public static TBuilder WithHttpClientSpansOnlyWhenExported<TBuilder>(this TBuilder builder)
        where TBuilder : IHostApplicationBuilder
    {
        if (!Wanted(builder.Configuration) && Environment.GetEnvironmentVariable(SwitchVariable) is null && !AppContext.TryGetSwitch(Switch, out _))
        {
            AppContext.SetSwitch(Switch, false);
        }

        return builder;
    }

    /// <summary>Whether HttpClient makes its own span per request and sends the trace on from it (as the runtime reads the switch).</summary>
    public static bool HandlerCarriesTrace() => AppContext.TryGetSwitch(Switch, out var on)
        ? on
        : Environment.GetEnvironmentVariable(SwitchVariable) is not { } value || !(value == "0" || value.Equals("false", StringComparison.OrdinalIgnoreCase));

    /// <summary>Whether anything exports traces: the same setting that turns OTLP export on (ServiceDefaults).</summary>
    internal static bool Wanted(IConfiguration configuration) => !string.IsNullOrWhiteSpace(configuration["OTEL_EXPORTER_OTLP_ENDPOINT"]);
}
