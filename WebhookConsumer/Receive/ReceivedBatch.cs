using Azure.Storage.Queues.Models;

namespace Jetstream.WebhookConsumer.Receive;

/// <summary>Messages from one receive and when the receive was issued (their invisibility counts from then).</summary>
/// <param name="DrainedAt">When a receive of this batch brought every visible message (fewer than it asked for); null when none did or it came from hand.</param>
internal sealed record ReceivedBatch(QueueMessage[] Messages, DateTimeOffset ReceivedAt, DateTimeOffset? DrainedAt = null)
{
    /// <summary>
    /// Receives issued together, as one batch: their messages in receive order (the scheduler puts each DID's events
    /// back in queue order, <c>DidScheduler.ByDid</c>, since two receives at once can each bring part of a DID's run),
    /// hidden from the earliest issue time; null when every receive failed. Never drained: a receive that brings fewer
    /// than it asked for while others run beside it may only have missed the messages they were hiding at that moment,
    /// so only a receive alone tells the per-DID memory the queue was seen to the end (the next one is alone).
    /// </summary>
    public static ReceivedBatch? Union(IReadOnlyList<ReceivedBatch?> batches)
    {
        var received = batches.OfType<ReceivedBatch>().ToList();
        return received.Count == 0 ? null : new ReceivedBatch([.. received.SelectMany(b => b.Messages)], received.Min(b => b.ReceivedAt));
    }
}
