namespace Jetstream.Storage;

/// <summary>Version 1: events are counted by <see cref="QueueMessageCodec.EstimateSize"/>, an upper bound, and encoded at the finish.</summary>
internal sealed class PlainMessagePacker(int maxMessageBytes, int maxEventsPerMessage) : MessagePacker(maxMessageBytes, maxEventsPerMessage)
{
    private List<QueuedEvent> _events = [];
    private int _bytes;

    public override int Version => QueueMessageCodec.PlainVersion;

    public override bool FitsAlone(QueuedEvent queuedEvent) =>
        QueueMessageCodec.EstimateSize(queuedEvent) + QueueMessageCodec.MessageOverheadBytes <= MaxMessageBytes;

    public override bool TryAdd(QueuedEvent queuedEvent)
    {
        var size = QueueMessageCodec.EstimateSize(queuedEvent);
        if (Count > 0 && (IsFull || _bytes + size + QueueMessageCodec.MessageOverheadBytes > MaxMessageBytes))
        {
            return false;
        }

        _events.Add(queuedEvent);
        _bytes += size;
        Count++;
        return true;
    }

    public override BinaryData Finish()
    {
        var body = QueueMessageCodec.Encode(_events, QueueMessageCodec.PlainVersion);
        Clear();
        return body;
    }

    public override void Clear()
    {
        _events = [];
        _bytes = 0;
        Count = 0;
    }
}
