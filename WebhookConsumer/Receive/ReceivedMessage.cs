using Azure.Storage.Queues.Models;
using Jetstream.Storage;

namespace Jetstream.WebhookConsumer.Receive;

/// <summary>One received queue message, decoded: the events it carries, each with its outcome in this batch.</summary>
internal sealed class ReceivedMessage
{
    public ReceivedMessage(QueueMessage message, IReadOnlyList<QueuedEvent> events, int version = QueueMessageCodec.PlainVersion)
    {
        Message = message;
        Version = version;
        var inFlight = new InFlightEvent[events.Count];
        for (var i = 0; i < events.Count; i++)
        {
            inFlight[i] = new InFlightEvent(this, events[i]);
        }

        Events = inFlight;
    }

    public QueueMessage Message { get; }

    /// <summary>The version the message was written in, which a rewrite keeps: its readers are known to read it.</summary>
    public int Version { get; }

    /// <summary>In the message's order, which is the order they go back into it.</summary>
    public IReadOnlyList<InFlightEvent> Events { get; }
}
