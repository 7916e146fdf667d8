namespace Jetstream.WebhookConsumer.Deliver;

/// <summary>
/// A connection <see cref="PrivateNetworkConnector"/> refused because the host resolves to a private address: a
/// setting to change, not an endpoint outage, so it does not count towards the endpoint's circuit.
/// </summary>
internal sealed class PrivateNetworkRefusedException(string message) : HttpRequestException(HttpRequestError.ConnectionError, message);
