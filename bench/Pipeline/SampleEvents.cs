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

    /// <summary>
    /// Message bodies that are not the service's format: as many events as fit when the processor's message body is
    /// deflate-compressed and base64-encoded into <paramref name="maxMessageBytes"/>. They show what compressing queue
    /// messages would change in the queue's cost per event.
    /// </summary>
    public static List<(BinaryData Body, int Events)> PackDeflated(IReadOnlyList<QueuedEvent> events, int maxMessageBytes)
    {
        var messages = new List<(BinaryData, int)>();
        var start = 0;
        while (start < events.Count)
        {
            // The largest count that still fits: compressed size grows with the count, so a binary search finds it.
            int low = 1, high = events.Count - start;
            var body = Deflated(events, start, 1);
            while (low < high)
            {
                var middle = (low + high + 1) / 2;
                var candidate = Deflated(events, start, middle);
                if (candidate.Length <= maxMessageBytes)
                {
                    (low, body) = (middle, candidate);
                }
                else
                {
                    high = middle - 1;
                }
            }

            messages.Add((BinaryData.FromString(body), low));
            start += low;
        }

        return messages;
    }

    private static string Deflated(IReadOnlyList<QueuedEvent> events, int start, int count)
    {
        using var compressed = new MemoryStream();
        using (var deflate = new System.IO.Compression.DeflateStream(compressed, System.IO.Compression.CompressionLevel.Fastest, leaveOpen: true))
        {
            deflate.Write(QueueMessageCodec.Encode(events.Skip(start).Take(count).ToList()).ToMemory().Span);
        }

        return Convert.ToBase64String(compressed.GetBuffer(), 0, (int)compressed.Length);
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
