namespace Jetstream.Storage.Circuits;

/// <summary>
/// What one consumer last reported about one subscription's endpoint circuit (a row of <see cref="EndpointCircuitStore"/>).
/// <see cref="LastError"/> is the error text of the last failed request as the consumer recorded it, with the URL's
/// credentials and query removed; it never holds a secret.
/// </summary>
public sealed record EndpointCircuitReport
{
    public required string SubscriptionId { get; init; }

    /// <summary>Which consumer process reported it (host name and a per-start suffix).</summary>
    public required string ConsumerId { get; init; }

    public required EndpointCircuitState State { get; init; }

    /// <summary>When the circuit entered <see cref="State"/>.</summary>
    public required DateTimeOffset Since { get; init; }

    public string? LastError { get; init; }

    public DateTimeOffset? LastErrorAt { get; init; }

    /// <summary>While open: when the next probe request may go out.</summary>
    public DateTimeOffset? NextProbeAt { get; init; }

    public required DateTimeOffset ReportedAt { get; init; }

    /// <summary>
    /// While not closed: the consumer rewrites the row before this, so a row past it belongs to a consumer that died
    /// with its circuit open and says nothing about the endpoint any more. Null for a closed circuit.
    /// </summary>
    public DateTimeOffset? ExpiresAt { get; init; }
}
