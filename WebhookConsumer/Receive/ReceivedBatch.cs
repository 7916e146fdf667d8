using Azure.Storage.Queues.Models;

namespace Jetstream.WebhookConsumer.Receive;

/// <summary>Messages from one receive and when the receive was issued (their invisibility counts from then).</summary>
/// <param name="DrainedAt">When a receive of this batch brought every visible message (fewer than it asked for); null when none did or it came from hand.</param>
internal sealed record ReceivedBatch(QueueMessage[] Messages, DateTimeOffset ReceivedAt, DateTimeOffset? DrainedAt = null)
{
    /// <summary>
    /// Receives issued together, as one batch: their messages in receive order (the scheduler puts each DID's events
    /// back in queue order, <c>DidScheduler.ByDid</c>, since two receives at once can each bring part of a DID's run),
    /// hidden from the earliest issue time, drained when any receive was; null when every receive failed.
    /// </summary>
    public static ReceivedBatch? Union(IReadOnlyList<ReceivedBatch?> batches)
    {
        var received = batches.OfType<ReceivedBatch>().ToList();
        if (received.Count == 0)
        {
            return null;
        }

        var drained = received.Select(b => b.DrainedAt).OfType<DateTimeOffset>().ToList();
        return new ReceivedBatch(
            [.. received.SelectMany(b => b.Messages)],
            received.Min(b => b.ReceivedAt),
            drained.Count == 0 ? null : drained.Max());
    }
}
