using Azure;
using Jetstream.EventQueue;
using Microsoft.Extensions.Logging;

namespace Jetstream.WebhookConsumer;

/// <summary>
/// Settles the messages of a delivered batch, each on its own: dead-lettered events are written to the poison queue
/// first, then the message is deleted (nothing left in it) or updated to hold what is left, attempts recorded, hidden
/// until the earliest of those is due. Delivered large events' blobs go last, once the message no longer names them.
/// </summary>
internal sealed class MessageSettler(
    EventQueueClients clients,
    DeadLetterQueue deadLetters,
    WebhookConsumerMetrics metrics,
    TimeProvider timeProvider,
    ILogger logger)
{
    private const int SettleConcurrency = 16;

    // Azure caps the visibility timeout at 7 days; a later-due event is simply held again then.
    private static readonly TimeSpan MaxVisibility = TimeSpan.FromDays(7) - TimeSpan.FromMinutes(1);

    public Task SettleAsync(IReadOnlyList<ReceivedMessage> messages, CancellationToken cancellationToken) =>
        Parallel.ForEachAsync(
            messages,
            new ParallelOptions { MaxDegreeOfParallelism = SettleConcurrency, CancellationToken = cancellationToken },
            (message, token) => new ValueTask(SettleAsync(message, token)));

    /// <summary>Whole seconds (what Azure takes), rounded up so the message never comes back before the event is due.</summary>
    internal static TimeSpan VisibilityUntil(DateTimeOffset due, DateTimeOffset now)
    {
        var wait = due - now;
        if (wait <= TimeSpan.Zero)
        {
            return TimeSpan.Zero;
        }

        return wait >= MaxVisibility ? MaxVisibility : TimeSpan.FromSeconds(Math.Ceiling(wait.TotalSeconds));
    }

    private async Task SettleAsync(ReceivedMessage received, CancellationToken cancellationToken)
    {
        foreach (var inFlight in received.Events)
        {
            if (inFlight.Outcome == EventOutcome.DeadLetter)
            {
                await DeadLetterAsync(inFlight, cancellationToken);
            }
        }

        var remaining = new List<QueuedEvent>(received.Events.Count);
        DateTimeOffset? due = null;
        var changed = false;
        foreach (var inFlight in received.Events)
        {
            if (inFlight.Outcome is EventOutcome.Held or EventOutcome.Retry)
            {
                remaining.Add(inFlight.Updated);
                due = due is null || inFlight.DueAt < due ? inFlight.DueAt : due;
            }

            changed |= inFlight.Outcome != EventOutcome.Held;
        }

        var message = received.Message;
        try
        {
            if (remaining.Count == 0)
            {
                await clients.Queue.DeleteMessageAsync(message.MessageId, message.PopReceipt, cancellationToken);
            }
            else
            {
                await clients.Queue.UpdateMessageAsync(
                    message.MessageId,
                    message.PopReceipt,
                    changed ? QueueMessageCodec.Encode(remaining) : null,
                    VisibilityUntil(due!.Value, timeProvider.GetUtcNow()),
                    cancellationToken);
            }
        }
        catch (RequestFailedException ex)
        {
            // 404: the message's invisibility ran out and another receive took it; it will be delivered again there
            // (duplicates with the same webhook-id). Otherwise storage failed and it reappears after the timeout.
            ConsumerLog.SettleFailed(logger, clients.SubscriptionId, message.MessageId, ex.Status, ex.Message);
            return;
        }

        foreach (var inFlight in received.Events)
        {
            if (inFlight.Outcome is (EventOutcome.Delivered or EventOutcome.Copy) && inFlight.Queued.BlobName is { } blobName)
            {
                await DeleteBlobAsync(blobName, cancellationToken);
            }
        }
    }

    private async Task DeadLetterAsync(InFlightEvent inFlight, CancellationToken cancellationToken)
    {
        var dead = inFlight.Updated;
        try
        {
            await deadLetters.AddAsync(dead, cancellationToken);
            ConsumerLog.DeadLettered(logger, clients.SubscriptionId, dead.EventId, dead.Attempts, dead.LastStatus, dead.LastError);
            metrics.DeadLettered(clients.SubscriptionId);
        }
        catch (RequestFailedException ex)
        {
            // Not written to the poison queue, so it stays in its message (attempt recorded) and is tried again.
            ConsumerLog.DeadLetterFailed(logger, clients.SubscriptionId, dead.EventId, ex.Status, ex.Message);
            inFlight.Outcome = EventOutcome.Retry;
            inFlight.DueAt = timeProvider.GetUtcNow();
        }
    }

    private async Task DeleteBlobAsync(string blobName, CancellationToken cancellationToken)
    {
        try
        {
            await clients.LargeEvents.DeleteBlobIfExistsAsync(blobName, cancellationToken: cancellationToken);
        }
        catch (RequestFailedException ex)
        {
            ConsumerLog.BlobDeleteFailed(logger, clients.SubscriptionId, blobName, ex.Message);
        }
    }
}
