namespace Jetstream.WebhookReceiver;

/// <summary>A request the receiver accepted (answered 2xx).</summary>
public sealed record Delivery(
    string Id,
    byte[] Body,
    IReadOnlyDictionary<string, string> Headers,
    DateTimeOffset ArrivedAt,
    bool SignatureValid);
