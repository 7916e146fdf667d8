namespace Jetstream.Storage;

/// <summary>
/// Packs consecutive events into message bodies of one version, each within <c>Queue:MaxMessageBytes</c> and
/// <c>Queue:MaxEventsPerMessage</c>: add events until <see cref="TryAdd"/> says the message is full, then
/// <see cref="Finish"/> it and go on with a new one. An event that does not <see cref="FitsAlone"/> must go to a blob
/// (the message names it) before it is added. Not thread-safe: one packer per producer.
/// </summary>
public abstract class MessagePacker
{
    protected MessagePacker(int maxMessageBytes, int maxEventsPerMessage)
    {
        MaxMessageBytes = maxMessageBytes;
        MaxEventsPerMessage = maxEventsPerMessage;
    }

    /// <summary>The version of the bodies written.</summary>
    public abstract int Version { get; }

    public int MaxMessageBytes { get; }

    public int MaxEventsPerMessage { get; }

    /// <summary>Events in the message being packed.</summary>
    public int Count { get; protected set; }

    /// <summary>Whether the message being packed takes no more events (it should be written now).</summary>
    public bool IsFull => Count >= MaxEventsPerMessage;

    /// <summary>A packer of the version <see cref="QueueOptions.MessageVersion"/> chooses.</summary>
    public static MessagePacker Create(QueueOptions options) => Create(options.MessageVersion, options.MaxMessageBytes, options.MaxEventsPerMessage);

    public static MessagePacker Create(int version, int maxMessageBytes, int maxEventsPerMessage) => version switch
    {
        QueueMessageCodec.PlainVersion => new PlainMessagePacker(maxMessageBytes, maxEventsPerMessage),
        QueueMessageCodec.CompressedVersion => new CompressedMessagePacker(maxMessageBytes, maxEventsPerMessage),
        _ => throw new ArgumentOutOfRangeException(nameof(version), version, $"Message versions are {QueueMessageCodec.PlainVersion} to {QueueMessageCodec.LatestVersion}."),
    };

    /// <summary>Whether <paramref name="queuedEvent"/>, with its JSON inline, surely fits an empty message; if not, its body goes to a blob.</summary>
    public abstract bool FitsAlone(QueuedEvent queuedEvent);

    /// <summary>
    /// Adds <paramref name="queuedEvent"/> to the message being packed; false when the message is full and nothing was
    /// added. The first event of a message is always added (it must <see cref="FitsAlone"/>). Its JSON is read by the
    /// time <see cref="Finish"/> returns, not after.
    /// </summary>
    public abstract bool TryAdd(QueuedEvent queuedEvent);

    /// <summary>The body of the events added since the last finish (at least one), and a fresh start.</summary>
    public abstract BinaryData Finish();

    /// <summary>Forgets the message being packed.</summary>
    public abstract void Clear();
}
