using System.Text.Json;
using Jetstream.Emulator;
using Jetstream.Storage;

namespace Jetstream.Bench.Pipeline;

/// <summary>
/// Events of a scenario's profile as the processor would queue them (same generator, same envelope, same eventId), so the
/// limit loops send the same bytes as the pipeline.
/// </summary>
internal static class SampleEvents
{
    public static List<QueuedEvent> Commits(StreamProfile profile, int count)
    {
        var generator = new EventGenerator(StreamProfile.Seed + 1000, profile.ToGeneratorProfile());
        var events = new List<QueuedEvent>(count);
        while (events.Count < count)
        {
            var json = generator.NextUtf8();
            using var document = JsonDocument.Parse(json);
            var root = document.RootElement;
            if (root.GetProperty("kind").GetString() != "commit")
            {
                continue;
            }

            var commit = root.GetProperty("commit");
            var did = root.GetProperty("did").GetString()!;
            events.Add(new QueuedEvent
            {
                EventId = EventIds.ForCommit(did, commit.GetProperty("collection").GetString()!, commit.GetProperty("rkey").GetString()!,
                    commit.GetProperty("rev").GetString()!, commit.GetProperty("operation").GetString()!),
                QueuedAt = DateTimeOffset.UtcNow,
                Did = did,
                TimeUs = root.GetProperty("time_us").GetInt64(),
                EventJson = json,
            });
        }

        return events;
    }

    /// <summary>
    /// Message bodies of <paramref name="version"/> (1 plain, 2 compressed) packed by the processor's own
    /// <see cref="MessagePacker"/>, within the size and count limits.
    /// </summary>
    public static List<(BinaryData Body, int Events)> Pack(IReadOnlyList<QueuedEvent> events, int version, int maxMessageBytes, int maxEventsPerMessage)
    {
        var packer = MessagePacker.Create(version, maxMessageBytes, maxEventsPerMessage);
        var messages = new List<(BinaryData, int)>();
        foreach (var e in events)
        {
            if (!packer.TryAdd(e))
            {
                messages.Add(Finish(packer));
                packer.TryAdd(e);
            }

            if (packer.IsFull)
            {
                messages.Add(Finish(packer));
            }
        }

        if (packer.Count > 0)
        {
            messages.Add(Finish(packer));
        }

        return messages;
    }

    private static (BinaryData Body, int Events) Finish(MessagePacker packer)
    {
        var count = packer.Count;
        return (packer.Finish(), count);
    }
}
