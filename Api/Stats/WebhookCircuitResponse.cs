namespace Jetstream.Api.Stats;

/// <summary>
/// The state of a subscription's webhook endpoint circuit, as the consumers last reported it (the worst of the
/// consumers whose report is current). Never holds a secret or the URL: <see cref="LastError"/> is the consumer's
/// error text with the URL's user info and query removed.
/// </summary>
public sealed record WebhookCircuitResponse
{
    /// <summary><c>closed</c> (delivering), <c>open</c> (sending stopped until the next probe), <c>halfOpen</c> (a probe on its way), or <c>unknown</c>.</summary>
    public required string State { get; init; }

    /// <summary>When it left closed (the outage's start) or, when closed, when it closed; null when no consumer reported a failure.</summary>
    public DateTimeOffset? Since { get; init; }

    public string? LastError { get; init; }

    public DateTimeOffset? LastErrorAt { get; init; }

    /// <summary>While open: when the next probe request may go out.</summary>
    public DateTimeOffset? NextProbeAt { get; init; }

    /// <summary>Consumers whose report this is drawn from.</summary>
    public int Consumers { get; init; }

    /// <summary>Why the state is <c>unknown</c> (the reports could not be read).</summary>
    public string? Error { get; init; }
}
