namespace Jetstream.WebhookConsumer;

/// <summary>What one delivery attempt came to.</summary>
internal readonly record struct DeliveryResult(bool Delivered, int? Status, string? Error, TimeSpan? RetryAfter, bool Permanent)
{
    public static DeliveryResult Success(int status) => new(true, status, null, null, false);

    public static DeliveryResult Failure(int? status, string error, TimeSpan? retryAfter = null, bool permanent = false) =>
        new(false, status, error, retryAfter, permanent);
}
