namespace Jetstream.WebhookConsumer.Deliver;

/// <summary>What one delivery attempt came to.</summary>
/// <param name="Endpoint">
/// The failure is the endpoint's, not the event's (connection refused or reset, no answer in time, 429, 502, 503, 504):
/// it counts towards opening the endpoint's circuit and spends none of the event's attempts.
/// </param>
/// <param name="Sent">False when the endpoint's circuit kept the request back: nothing was sent, no attempt happened.</param>
internal readonly record struct DeliveryResult(bool Delivered, int? Status, string? Error, TimeSpan? RetryAfter, bool Permanent, bool Endpoint = false, bool Sent = true)
{
    /// <summary>The circuit refused to send (open, or another request is the probe): look at the circuit again.</summary>
    public static readonly DeliveryResult NotSent = new(false, null, "The endpoint's circuit is open.", null, false, Endpoint: true, Sent: false);

    public static DeliveryResult Success(int status) => new(true, status, null, null, false);

    public static DeliveryResult Failure(int? status, string error, TimeSpan? retryAfter = null, bool permanent = false, bool endpoint = false) =>
        new(false, status, error, retryAfter, permanent, endpoint);

    /// <summary>The statuses that say the endpoint cannot take requests now, whatever the event.</summary>
    public static bool IsEndpointStatus(int status) => status is 429 or 502 or 503 or 504;
}
