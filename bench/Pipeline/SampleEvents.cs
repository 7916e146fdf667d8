using System.Text.Json;
using Jetstream.Emulator;
using Jetstream.EventQueue;

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

    /// <summary>Message bodies packed the way the processor's QueueSink packs them (size and count limits).</summary>
    public static List<(BinaryData Body, int Events)> Pack(IReadOnlyList<QueuedEvent> events, int maxMessageBytes, int maxEventsPerMessage)
    {
        var messages = new List<(BinaryData, int)>();
        var pending = new List<QueuedEvent>();
        var pendingBytes = 0;
        foreach (var e in events)
        {
            var size = QueueMessageCodec.EstimateSize(e);
            if (pending.Count > 0 && pendingBytes + size + QueueMessageCodec.MessageOverheadBytes > maxMessageBytes)
            {
                messages.Add((QueueMessageCodec.Encode(pending), pending.Count));
                pending = [];
                pendingBytes = 0;
            }

            pending.Add(e);
            pendingBytes += size;
            if (pending.Count >= maxEventsPerMessage)
            {
                messages.Add((QueueMessageCodec.Encode(pending), pending.Count));
                pending = [];
                pendingBytes = 0;
            }
        }

        if (pending.Count > 0)
        {
            messages.Add((QueueMessageCodec.Encode(pending), pending.Count));
        }

        return messages;
    }
}
