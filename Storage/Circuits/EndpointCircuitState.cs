namespace Jetstream.Storage.Circuits;

/// <summary>
/// The state of a subscription's endpoint circuit in one consumer, as Polly's circuit breaker has it: closed (sending),
/// open (sending stopped until the next probe) or half-open (one probe request on its way).
/// </summary>
public enum EndpointCircuitState
{
    Closed,
    Open,
    HalfOpen,
}
