using Microsoft.Extensions.Configuration;

namespace Jetstream.ServiceDefaults;

/// <summary>
/// Whether this host's spans go anywhere: the one rule every host follows (<see cref="ServiceDefaultsExtensions.AddServiceDefaults"/>).
/// A span is made only for a listener, and OpenTelemetry's tracer is the only one the hosts have; registered with no
/// exporter it still made an Activity, its tags and a <c>traceparent</c> for every event, webhook request and storage
/// call, and dropped them: 7-17 µs of the consumer's CPU per event with one request per event (docs/cold-start.md).
/// So the tracer is registered only when traces are exported; metrics are kept either way (Prometheus scrapes them).
/// </summary>
public static class TraceExport
{
    /// <summary>
    /// The OTLP endpoint (the standard variable; the Aspire AppHost sets it for every host), the hosts' only trace
    /// exporter. Another exporter added here would be another reason to trace.
    /// </summary>
    public const string EndpointSetting = "OTEL_EXPORTER_OTLP_ENDPOINT";

    /// <summary>True when traces are exported, so the hosts make spans.</summary>
    public static bool IsConfigured(IConfiguration configuration) => !string.IsNullOrWhiteSpace(configuration[EndpointSetting]);
}
