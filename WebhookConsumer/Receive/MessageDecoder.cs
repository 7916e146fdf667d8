using Azure.Storage.Queues.Models;
using Azure;
using Jetstream.Storage;
using Jetstream.WebhookConsumer.Hosting;
using Microsoft.Extensions.Logging;

namespace Jetstream.WebhookConsumer.Receive;

/// <summary>
/// Turns received queue messages into the events they carry, whichever version they were written in. A message that
/// cannot be decoded can never be delivered, so it is moved, unchanged, to the dead-letter queue at once (an operator
/// can still read it there). A well-formed message of a version newer than this consumer reads is not poison: it is
/// left in the queue untouched, to reappear after the visibility timeout for a consumer that reads it, and health says
/// a newer consumer is needed.
/// </summary>
internal sealed class MessageDecoder(EventQueueClients clients, DeadLetterQueue deadLetters, ConsumerHealth health, WebhookOptions options, ILogger logger)
{
    public async Task<IReadOnlyList<ReceivedMessage>> DecodeAsync(IReadOnlyList<QueueMessage> messages, CancellationToken cancellationToken)
    {
        var decoded = new List<ReceivedMessage>(messages.Count);
        foreach (var message in messages)
        {
            if (await DecodeAsync(message, cancellationToken) is { } received)
            {
                decoded.Add(received);
            }
        }

        return decoded;
    }

    private async Task<ReceivedMessage?> DecodeAsync(QueueMessage message, CancellationToken cancellationToken)
    {
        try
        {
            var decoded = QueueMessageCodec.DecodeMessage(message.Body.ToMemory(), options.ReadableMessageVersion);
            return new ReceivedMessage(message, decoded.Events, decoded.Version);
        }
        catch (UnsupportedMessageVersionException newer)
        {
            if (health.NewerMessageVersion(clients.SubscriptionId, newer.Version, newer.ReadableVersion))
            {
                ConsumerLog.NewerMessageVersion(logger, clients.SubscriptionId, message.MessageId, newer.Version, newer.ReadableVersion, message.DequeueCount, options.VisibilityTimeout);
            }

            return null;
        }
        catch (FormatException ex)
        {
            ConsumerLog.Undecodable(logger, clients.SubscriptionId, message.MessageId, ex.Message);
        }

        try
        {
            await deadLetters.AddUndecodableAsync(message.Body, cancellationToken);
            await clients.Queue.DeleteMessageAsync(message.MessageId, message.PopReceipt, cancellationToken);
        }
        catch (RequestFailedException storageError)
        {
            ConsumerLog.SettleFailed(logger, clients.SubscriptionId, message.MessageId, storageError.Status, storageError.Message);
        }

        return null;
    }
}
