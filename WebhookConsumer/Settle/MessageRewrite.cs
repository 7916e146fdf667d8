using Jetstream.Storage;

namespace Jetstream.WebhookConsumer.Settle;

/// <summary>
/// What a settled message's remaining events are written back as. Always the version the message was read in: its
/// readers are known to read that one, whereas a consumer cannot know that every other consumer reads a newer one (and
/// version 1 would not hold a full version 2 message's events). Usually one body; when the retry bookkeeping takes it
/// past Azure's 64 KiB (a full message whose every event failed: about 160 bytes more per event), several, packed as
/// the producer packs them, since Azure refuses the update and the attempts would never be recorded.
/// </summary>
internal static class MessageRewrite
{
    /// <summary>Azure's limit on a message body (with <c>QueueMessageEncoding.None</c>).</summary>
    public const int AzureMessageLimit = 64 * 1024;

    /// <summary>
    /// The bodies holding <paramref name="remaining"/>, in order, each with the earliest due time of its events: the
    /// first replaces the message, any others are sent as new messages.
    /// </summary>
    public static IReadOnlyList<Part> Build(IReadOnlyList<(QueuedEvent Event, DateTimeOffset DueAt)> remaining, int version, int maxMessageBytes)
    {
        var events = remaining.Select(r => r.Event).ToArray();
        var whole = QueueMessageCodec.Encode(events, version);
        if (whole.ToMemory().Length <= AzureMessageLimit)
        {
            return [new Part(whole, remaining.Min(r => r.DueAt))];
        }

        var parts = new List<Part>();
        var packer = MessagePacker.Create(version, maxMessageBytes, int.MaxValue);
        var due = DateTimeOffset.MaxValue;
        foreach (var (e, dueAt) in remaining)
        {
            if (!packer.TryAdd(e))
            {
                parts.Add(new Part(packer.Finish(), due));
                due = DateTimeOffset.MaxValue;
                packer.TryAdd(e);
            }

            due = dueAt < due ? dueAt : due;
        }

        parts.Add(new Part(packer.Finish(), due));
        return parts;
    }

    public sealed record Part(BinaryData Body, DateTimeOffset DueAt);
}
