using Jetstream.Storage.Circuits;

namespace Jetstream.WebhookConsumer.Circuit;

/// <summary>
/// An endpoint circuit as it stood at its last transition: what <c>/status</c>, the dashboard and the metric show.
/// <see cref="Since"/> is when it left closed (kept across probes, so it reads as the outage's start) or when it closed;
/// <see cref="Outage"/>, once closed again, how long it had been open.
/// </summary>
internal sealed record EndpointCircuitSnapshot(
    EndpointCircuitState State,
    DateTimeOffset Since,
    string? LastError,
    DateTimeOffset? LastErrorAt,
    DateTimeOffset? NextProbeAt,
    TimeSpan? Outage = null);
