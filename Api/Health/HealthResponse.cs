using System.Text.Json.Serialization;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Jetstream.Api.Health;

/// <summary>
/// The original service's health body (<c>status</c>, <c>worker</c>, <c>timestamp</c>), with the readiness checks behind
/// the status when there are any.
/// </summary>
public sealed record HealthResponse(
    string Status,
    string Worker,
    DateTimeOffset Timestamp,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] IReadOnlyDictionary<string, HealthCheckEntry>? Checks)
{
    public const string WorkerName = "jetstream-orleans-api";

    public static HealthResponse Live(DateTimeOffset now) => new("healthy", WorkerName, now, null);

    public static HealthResponse From(HealthReport report, DateTimeOffset now) => new(
        StatusName(report.Status),
        WorkerName,
        now,
        report.Entries.ToDictionary(
            entry => entry.Key,
            entry => new HealthCheckEntry(StatusName(entry.Value.Status), entry.Value.Description, Math.Round(entry.Value.Duration.TotalMilliseconds, 1))));

    private static string StatusName(HealthStatus status) => status switch
    {
        HealthStatus.Healthy => "healthy",
        HealthStatus.Degraded => "degraded",
        _ => "unhealthy",
    };
}
