using Jetstream.WebhookConsumer.Subscriptions;
using Microsoft.Extensions.Logging;

namespace Jetstream.WebhookConsumer.Hosting;

/// <summary>
/// Every message names its subscription. None carries a secret or a bearer token: URLs are logged without user info
/// or query (<see cref="SubscriptionSettings.DisplayUrl"/>), and secret errors say which secret, not what it is.
/// </summary>
internal static partial class ConsumerLog
{
    [LoggerMessage(1, LogLevel.Debug, "[{Subscription}] Delivery of {EventId} failed (attempt {Attempts}): {Error}")]
    public static partial void AttemptFailed(ILogger logger, string subscription, string eventId, int attempts, string? error);

    [LoggerMessage(2, LogLevel.Warning, "[{Subscription}] Event {EventId} dead-lettered after {Attempts} attempts; last status {LastStatus}, last error: {LastError}")]
    public static partial void DeadLettered(ILogger logger, string subscription, string eventId, int attempts, int? lastStatus, string? lastError);

    [LoggerMessage(3, LogLevel.Error, "[{Subscription}] Could not write event {EventId} to the dead-letter queue ({Status}: {Error}); it stays in the queue")]
    public static partial void DeadLetterFailed(ILogger logger, string subscription, string eventId, int status, string error);

    [LoggerMessage(4, LogLevel.Error, "[{Subscription}] Queue message {MessageId} cannot be decoded ({Error}); moving it unchanged to the dead-letter queue")]
    public static partial void Undecodable(ILogger logger, string subscription, string messageId, string error);

    [LoggerMessage(5, LogLevel.Warning, "[{Subscription}] Could not settle queue message {MessageId} ({Status}: {Error}); it will be received again and its delivered events delivered again with the same webhook-id")]
    public static partial void SettleFailed(ILogger logger, string subscription, string messageId, int status, string error);

    [LoggerMessage(6, LogLevel.Warning, "[{Subscription}] Could not delete the delivered event body blob {BlobName}: {Error}")]
    public static partial void BlobDeleteFailed(ILogger logger, string subscription, string blobName, string error);

    [LoggerMessage(7, LogLevel.Warning, "[{Subscription}] Receiving from the queue failed; retrying in {Delay}")]
    public static partial void ReceiveFailed(ILogger logger, string subscription, Exception exception, TimeSpan delay);

    [LoggerMessage(8, LogLevel.Error, "[{Subscription}] Processing a batch of {Count} messages failed; its messages reappear after the visibility timeout")]
    public static partial void BatchFailed(ILogger logger, string subscription, Exception exception, int count);

    [LoggerMessage(9, LogLevel.Information, "[{Subscription}] Delivering queue {Queue} to {Url} (signed: {Signed}, timeout {TimeoutSeconds} s, {Attempts} attempts over {Schedule})")]
    public static partial void Started(ILogger logger, string subscription, string queue, string url, bool signed, int timeoutSeconds, int attempts, TimeSpan schedule);

    [LoggerMessage(10, LogLevel.Warning, "[{Subscription}] Not delivering: {Reason}; its events wait in queue {Queue}")]
    public static partial void Waiting(ILogger logger, string subscription, string reason, string queue);

    [LoggerMessage(11, LogLevel.Information, "[{Subscription}] Being deleted: delivering what is queued, then removing its queues and document")]
    public static partial void Draining(ILogger logger, string subscription);

    [LoggerMessage(12, LogLevel.Information, "[{Subscription}] Drained: queues {Queue} and {PoisonQueue}, its large-event blobs and its document removed")]
    public static partial void Removed(ILogger logger, string subscription, string queue, string poisonQueue);

    [LoggerMessage(13, LogLevel.Information, "[{Subscription}] Stopped ({Reason})")]
    public static partial void Stopped(ILogger logger, string subscription, string reason);

    [LoggerMessage(14, LogLevel.Warning, "Reading the subscription list failed; keeping the subscriptions known so far and retrying in {Delay}")]
    public static partial void RefreshFailed(ILogger logger, Exception exception, TimeSpan delay);

    [LoggerMessage(15, LogLevel.Warning, "[{Subscription}] Removing the drained subscription failed; trying again after the next empty receive")]
    public static partial void RemoveFailed(ILogger logger, string subscription, Exception exception);

    [LoggerMessage(16, LogLevel.Information, "Webhook consumer started: concurrency {Concurrency} shared between subscriptions, subscription list re-read every {RefreshSeconds} s, private networks {PrivateNetworks}")]
    public static partial void ConsumerStarted(ILogger logger, int concurrency, int refreshSeconds, string privateNetworks);

    [LoggerMessage(17, LogLevel.Error, "[{Subscription}] The delivery loop failed; it starts again at the next refresh")]
    public static partial void LoopFailed(ILogger logger, string subscription, Exception exception);

    [LoggerMessage(18, LogLevel.Information, "[{Subscription}] Event {EventId} was delivered moments ago; its copy in queue message {MessageId} (same webhook-id) is removed without being sent again")]
    public static partial void CopySkipped(ILogger logger, string subscription, string eventId, string messageId);

    [LoggerMessage(30, LogLevel.Error, "[{Subscription}] Queue message {MessageId} is of version {Version}, newer than this consumer reads (up to {ReadableVersion}): left in the queue, untouched, for a newer consumer (received {DequeueCount} times; back in {VisibilityTimeout}). Upgrade the consumers: they must read a version before any producer writes it (Queue:MessageVersion). Said once a minute however many such messages come")]
    public static partial void NewerMessageVersion(ILogger logger, string subscription, string messageId, int version, int readableVersion, long dequeueCount, TimeSpan visibilityTimeout);

    [LoggerMessage(31, LogLevel.Information, "[{Subscription}] Queue message {MessageId} with its {Events} events' attempts recorded is over Azure's 64 KiB: written back as {Parts} messages")]
    public static partial void RewriteSplit(ILogger logger, string subscription, string messageId, int events, int parts);

    [LoggerMessage(40, LogLevel.Debug, "[{Subscription}] Batch {BatchId} of {Count} events failed (attempt {Attempts}): {Error}; it is retried as the same batch")]
    public static partial void BatchAttemptFailed(ILogger logger, string subscription, string batchId, int count, int attempts, string? error);

    [LoggerMessage(41, LogLevel.Information, "[{Subscription}] Batch {BatchId} of {Count} events failed again ({Error}); splitting it to find the event that fails it")]
    public static partial void BatchSplit(ILogger logger, string subscription, string batchId, int count, string? error);

    [LoggerMessage(42, LogLevel.Information, "[{Subscription}] Only {Count} of the {Size} events of batch {BatchId} came back; they go on in new batches")]
    public static partial void BatchForgotten(ILogger logger, string subscription, string batchId, int count, int size);
}
