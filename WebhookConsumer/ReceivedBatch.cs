using Azure.Storage.Queues.Models;

namespace Jetstream.WebhookConsumer;

/// <summary>Messages from one receive and when the receive was issued (their invisibility counts from then).</summary>
internal sealed record ReceivedBatch(QueueMessage[] Messages, DateTimeOffset ReceivedAt);
