using Microsoft.Extensions.Logging;

namespace Jetstream.WebhookConsumer;

internal static partial class ConsumerLog
{
    [LoggerMessage(1, LogLevel.Debug, "Delivery of {EventId} failed (attempt {Attempts}): {Error}")]
    public static partial void AttemptFailed(ILogger logger, string eventId, int attempts, string? error);

    [LoggerMessage(2, LogLevel.Warning, "Event {EventId} dead-lettered after {Attempts} attempts; last status {LastStatus}, last error: {LastError}")]
    public static partial void DeadLettered(ILogger logger, string eventId, int attempts, int? lastStatus, string? lastError);

    [LoggerMessage(3, LogLevel.Error, "Could not write event {EventId} to the dead-letter queue ({Status}: {Error}); it stays in the queue")]
    public static partial void DeadLetterFailed(ILogger logger, string eventId, int status, string error);

    [LoggerMessage(4, LogLevel.Error, "Queue message {MessageId} cannot be decoded ({Error}); moving it unchanged to the dead-letter queue")]
    public static partial void Undecodable(ILogger logger, string messageId, string error);

    [LoggerMessage(5, LogLevel.Warning, "Could not settle queue message {MessageId} ({Status}: {Error}); it will be received again and its delivered events delivered again with the same webhook-id")]
    public static partial void SettleFailed(ILogger logger, string messageId, int status, string error);

    [LoggerMessage(6, LogLevel.Warning, "Could not delete the delivered event body blob {BlobName}: {Error}")]
    public static partial void BlobDeleteFailed(ILogger logger, string blobName, string error);

    [LoggerMessage(7, LogLevel.Warning, "Receiving from the queue failed; retrying in {Delay}")]
    public static partial void ReceiveFailed(ILogger logger, Exception exception, TimeSpan delay);

    [LoggerMessage(8, LogLevel.Error, "Processing a batch of {Count} messages failed; its messages reappear after the visibility timeout")]
    public static partial void BatchFailed(ILogger logger, Exception exception, int count);

    [LoggerMessage(9, LogLevel.Information, "Webhook consumer delivering queue {Queue} to {Url} (signed: {Signed}, concurrency {Concurrency}, {Attempts} attempts over {Schedule})")]
    public static partial void Started(ILogger logger, string queue, string url, bool signed, int concurrency, int attempts, TimeSpan schedule);
}
