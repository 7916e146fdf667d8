using Azure.Storage.Queues.Models;

namespace Jetstream.WebhookConsumer.Receive;

/// <summary>Messages from one receive and when the receive was issued (their invisibility counts from then).</summary>
/// <param name="DrainedAt">When a receive of this batch brought every visible message (fewer than it asked for); null when none did or it came from hand.</param>
internal sealed record ReceivedBatch(QueueMessage[] Messages, DateTimeOffset ReceivedAt, DateTimeOffset? DrainedAt = null);
