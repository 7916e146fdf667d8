using Azure;
using Azure.Storage.Queues.Models;
using Jetstream.EventQueue;
using Microsoft.Extensions.Logging;

namespace Jetstream.WebhookConsumer;

/// <summary>
/// Turns received queue messages into the events they carry. A message that cannot be decoded can never be delivered,
/// so it is moved, unchanged, to the dead-letter queue at once (an operator can still read it there).
/// </summary>
internal sealed class MessageDecoder(EventQueueClients clients, DeadLetterQueue deadLetters, ILogger logger)
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
            return new ReceivedMessage(message, QueueMessageCodec.Decode(message.Body));
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
