using System.Collections.Concurrent;
using Azure.Storage.Queues.Models;
using Azure;
using Jetstream.Storage;
using Jetstream.WebhookConsumer.Deliver;
using Jetstream.WebhookConsumer.Hosting;
using Jetstream.WebhookConsumer.Receive;
using Microsoft.Extensions.Logging;

namespace Jetstream.WebhookConsumer.Settle;

/// <summary>
/// Settles the messages of a delivered batch, each on its own: dead-lettered events are written to the poison queue
/// first, then the message is deleted (nothing left in it) or updated to hold what is left, attempts recorded, in the
/// version it was read in (<see cref="MessageRewrite"/>), hidden until the earliest of those is due. Delivered large
/// events' blobs go last, once the message no longer names them. While the endpoint's circuit is open, a message whose
/// events wait only for the next probe is kept in hand instead (<see cref="KeptMessage"/>): updated with a lease that
/// lasts past the probe, so the probe goes from the head of the queue and the messages behind it stay untouched, in order.
/// </summary>
internal sealed class MessageSettler(
    EventQueueClients clients,
    WebhookOptions options,
    DeadLetterQueue deadLetters,
    WebhookConsumerMetrics metrics,
    TimeProvider timeProvider,
    ILogger logger)
{
    private const int SettleConcurrency = 16;

    // Azure caps the visibility timeout at 7 days; a later-due event is simply held again then.
    private static readonly TimeSpan MaxVisibility = TimeSpan.FromDays(7) - TimeSpan.FromMinutes(1);

    /// <param name="keepUntil">
    /// While the endpoint's circuit is open, its next probe; while a backlog waits, a second from now
    /// (<see cref="KeptMessages.KeepDueAsync"/>): a message with an event due by then is kept in hand, not returned to
    /// the queue, and is among the result. Null: every message goes back to the queue (or is deleted).
    /// </param>
    /// <returns>The messages kept in hand, to be delivered again from hand (the probe, or with the next batch).</returns>
    /// <param name="renewKept">Every message kept gets a new lease (while a backlog waits: see <see cref="KeepAsync"/>).</param>
    public async Task<IReadOnlyList<KeptMessage>> SettleAsync(DeliveredBatch delivered, DateTimeOffset? keepUntil, CancellationToken cancellationToken, bool renewKept = false)
    {
        var regrouped = await RegroupAsync(delivered, cancellationToken);
        var kept = new ConcurrentBag<KeptMessage>();
        await Parallel.ForEachAsync(
            delivered.Messages,
            new ParallelOptions { MaxDegreeOfParallelism = SettleConcurrency, CancellationToken = cancellationToken },
            async (message, token) =>
            {
                var outcomes = message.Events.Select(e => regrouped.Contains(e) ? Regrouped(delivered.OutcomeOf(e)) : delivered.OutcomeOf(e)).ToArray();
                if (await SettleAsync(message, outcomes, keepUntil, renewKept ? null : delivered.LeaseFrom, token) is { } keptMessage)
                {
                    kept.Add(keptMessage);
                }
            });
        return [.. kept.OrderBy(k => k.Message.InsertedOn)];
    }

    /// <summary>
    /// A lease taken at <paramref name="leaseFrom"/> still covers a batch delivered from hand at <paramref name="probeAt"/>:
    /// the batch starts no request later than its lease start plus a visibility timeout less a request's timeout
    /// (<see cref="BatchProcessor"/>), so half a visibility timeout more leaves it that long to work.
    /// </summary>
    internal static bool LeaseLasts(DateTimeOffset leaseFrom, DateTimeOffset probeAt, WebhookOptions options) =>
        leaseFrom + options.VisibilityTimeout - probeAt >= (options.VisibilityTimeout / 2) + TimeSpan.FromSeconds(options.TimeoutSeconds);

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

    private static DeliveryOutcome Regrouped(DeliveryOutcome outcome) => outcome with { Kind = EventOutcome.Regrouped };

    /// <summary>
    /// Writes each batch that failed (batched webhooks) into a message of its own, before the messages it came from are
    /// settled without it: whole-second visibility would otherwise bring those messages back a fraction of a second
    /// apart, and the batch could not go again as it was. Written first, so a crash in between leaves a copy, never a
    /// gap. A batch that does not fit one message, or whose write fails, stays where it was (its events then regroup
    /// if they come back together, or go on in new batches).
    /// </summary>
    /// <returns>The events written into a message of their own, to be left out of the messages they came from.</returns>
    private async Task<HashSet<InFlightEvent>> RegroupAsync(DeliveredBatch delivered, CancellationToken cancellationToken)
    {
        var regrouped = new HashSet<InFlightEvent>();
        foreach (var members in FailedBatches.ToRegroup(delivered, clients.Options.MaxMessageBytes))
        {
            var events = members.Select(m => m.Outcome.Updated).ToArray();
            try
            {
                var due = members.Max(m => m.Outcome.DueAt);
                await clients.Queue.SendMessageAsync(QueueMessageCodec.Encode(events, members[0].Event.Message.Version), VisibilityUntil(due, timeProvider.GetUtcNow()), TimeSpan.FromSeconds(-1), cancellationToken);
                regrouped.UnionWith(members.Select(m => m.Event));
            }
            catch (RequestFailedException ex)
            {
                ConsumerLog.SettleFailed(logger, clients.SubscriptionId, events[0].BatchId!, ex.Status, ex.Message);
            }
        }

        return regrouped;
    }

    private async Task<KeptMessage?> SettleAsync(ReceivedMessage received, DeliveryOutcome[] outcomes, DateTimeOffset? keepUntil, DateTimeOffset? leaseFrom, CancellationToken cancellationToken)
    {
        var decision = MessageDecision.For(received, outcomes, keepUntil, clients.Options.MaxMessageBytes);
        if (decision.DeadLetters.Count > 0)
        {
            var failed = false;
            for (var i = 0; i < outcomes.Length; i++)
            {
                if (outcomes[i].Kind == EventOutcome.DeadLetter && !await DeadLetterAsync(outcomes[i].Updated, cancellationToken))
                {
                    // Not written to the poison queue, so it stays in its message (attempt recorded) and is tried again.
                    outcomes[i] = DeliveryOutcome.Retry(outcomes[i].Updated, timeProvider.GetUtcNow(), forEndpoint: false);
                    failed = true;
                }
            }

            if (failed)
            {
                decision = MessageDecision.For(received, outcomes, keepUntil, clients.Options.MaxMessageBytes);
            }
        }

        var message = received.Message;
        KeptMessage? kept = null;
        try
        {
            switch (decision.Action)
            {
                case MessageAction.Delete:
                    await clients.Queue.DeleteMessageAsync(message.MessageId, message.PopReceipt, cancellationToken);
                    break;
                case MessageAction.Keep:
                    kept = await KeepAsync(message, decision.Parts, keepUntil!.Value, leaseFrom, cancellationToken);
                    break;
                case MessageAction.PutBack:
                    await clients.Queue.UpdateMessageAsync(
                        message.MessageId, message.PopReceipt, (BinaryData?)null, VisibilityUntil(decision.DueAt, timeProvider.GetUtcNow()), cancellationToken);
                    break;
                default:
                    await RewriteAsync(message, decision.Parts!, outcomes.Count(o => o.Remains), cancellationToken);
                    break;
            }
        }
        catch (RequestFailedException ex)
        {
            // 404: the message's invisibility ran out and another receive took it; it will be delivered again there
            // (duplicates with the same webhook-id). Otherwise storage failed and it reappears after the timeout.
            ConsumerLog.SettleFailed(logger, clients.SubscriptionId, message.MessageId, ex.Status, ex.Message);
            return null;
        }

        for (var i = 0; i < outcomes.Length; i++)
        {
            if (outcomes[i].Kind is (EventOutcome.Delivered or EventOutcome.Copy) && received.Events[i].Queued.BlobName is { } blobName)
            {
                await DeleteBlobAsync(blobName, cancellationToken);
            }
        }

        return kept;
    }

    private async Task RewriteAsync(QueueMessage message, IReadOnlyList<MessageRewrite.Part> parts, int remaining, CancellationToken cancellationToken)
    {
        // The split-off parts first: a failure after them repeats events (same webhook-id), never loses one.
        foreach (var part in parts.Skip(1))
        {
            await clients.Queue.SendMessageAsync(part.Body, VisibilityUntil(part.DueAt, timeProvider.GetUtcNow()), TimeSpan.FromSeconds(-1), cancellationToken);
        }

        if (parts.Count > 1)
        {
            ConsumerLog.RewriteSplit(logger, clients.SubscriptionId, message.MessageId, remaining, parts.Count);
        }

        await clients.Queue.UpdateMessageAsync(
            message.MessageId, message.PopReceipt, parts[0].Body, VisibilityUntil(parts[0].DueAt, timeProvider.GetUtcNow()), cancellationToken);
    }

    /// <summary>
    /// Updates a message kept in hand: what is left of it (<paramref name="parts"/>, null when unchanged), hidden until
    /// <paramref name="probeAt"/> and a whole visibility timeout after it, so it can be delivered from hand then as if
    /// just received. Parts split off (a rewrite over 64 KiB) go back to the queue, due at the probe. An unchanged
    /// message whose lease (from <paramref name="leaseFrom"/>) still runs half a visibility timeout and a request's
    /// timeout past the probe is kept as it is (<see cref="LeaseLasts"/>): renewed every probe, thousands of messages
    /// held through an outage cost thousands of storage updates every 2 s. Null <paramref name="leaseFrom"/>: renewed
    /// anyway, as the few messages kept for the next batch while a backlog waits are (kept there unrenewed, the drain of
    /// OrderThroughOutageTests' 500s and outage took three times as long, for a reason not found in the time).
    /// </summary>
    private async Task<KeptMessage> KeepAsync(QueueMessage message, IReadOnlyList<MessageRewrite.Part>? parts, DateTimeOffset probeAt, DateTimeOffset? leaseFrom, CancellationToken cancellationToken)
    {
        if (parts is null && leaseFrom is { } from && LeaseLasts(from, probeAt, options))
        {
            return new KeptMessage(message, from);
        }

        if (parts is not null)
        {
            foreach (var part in parts.Skip(1))
            {
                await clients.Queue.SendMessageAsync(part.Body, VisibilityUntil(part.DueAt, timeProvider.GetUtcNow()), TimeSpan.FromSeconds(-1), cancellationToken);
            }
        }

        var now = timeProvider.GetUtcNow();
        var untilProbe = VisibilityUntil(probeAt, now);
        var lease = untilProbe + options.VisibilityTimeout;
        var body = parts?[0].Body;
        var receipt = await clients.Queue.UpdateMessageAsync(message.MessageId, message.PopReceipt, body, lease < MaxVisibility ? lease : MaxVisibility, cancellationToken);
        var renewed = QueuesModelFactory.QueueMessage(
            message.MessageId, receipt.Value.PopReceipt, body ?? message.Body, message.DequeueCount, receipt.Value.NextVisibleOn, message.InsertedOn, message.ExpiresOn);

        // Its invisibility counts from no earlier than this, for a whole visibility timeout.
        return new KeptMessage(renewed, now + untilProbe);
    }

    /// <returns>False when the poison queue could not be written.</returns>
    private async Task<bool> DeadLetterAsync(QueuedEvent dead, CancellationToken cancellationToken)
    {
        try
        {
            await deadLetters.AddAsync(dead, cancellationToken);
            ConsumerLog.DeadLettered(logger, clients.SubscriptionId, dead.EventId, dead.Attempts, dead.LastStatus, dead.LastError);
            metrics.DeadLettered(clients.SubscriptionId);
            return true;
        }
        catch (RequestFailedException ex)
        {
            ConsumerLog.DeadLetterFailed(logger, clients.SubscriptionId, dead.EventId, ex.Status, ex.Message);
            return false;
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
