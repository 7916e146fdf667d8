namespace Jetstream.Api.Health;

/// <summary>One readiness check in a health response.</summary>
public sealed record HealthCheckEntry(string Status, string? Description, double DurationMs);
