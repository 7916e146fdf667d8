using System.Buffers.Text;
using System.Text;
using System.Text.Json;

namespace Jetstream.Storage;

/// <summary>
/// One event of a message as JSON, the same object in every message version:
/// <code>{"eventId":…,"queuedAt":…,"did":…,"timeUs":…,"event":{…original JSON…}}</code>
/// with the retry bookkeeping when set, and the event's bytes in <c>event</c> (raw), <c>eventBase64</c> or <c>blob</c>.
/// </summary>
internal static class QueuedEventJson
{
    /// <summary>
    /// Writes <paramref name="e"/>. <paramref name="asciiOnly"/>: an event with a byte outside ASCII goes as
    /// <c>eventBase64</c> (a version 1 body is text on its way, see <see cref="QueueMessageCodec"/>); otherwise its
    /// bytes go raw in <c>event</c> (inside a compressed body, where nothing handles them as text).
    /// </summary>
    public static void Write(Utf8JsonWriter writer, QueuedEvent e, bool asciiOnly)
    {
        writer.WriteStartObject();
        writer.WriteString("eventId"u8, e.EventId);
        writer.WriteString("queuedAt"u8, e.QueuedAt.UtcDateTime);
        writer.WriteString("did"u8, e.Did);
        writer.WriteNumber("timeUs"u8, e.TimeUs);
        if (e.TraceParent is not null)
        {
            writer.WriteString("traceparent"u8, e.TraceParent);
        }

        if (e.Attempts > 0)
        {
            writer.WriteNumber("attempts"u8, e.Attempts);
        }

        if (e.FirstAttemptAt is { } first)
        {
            writer.WriteString("firstAttemptAt"u8, first.UtcDateTime);
        }

        if (e.LastStatus is { } status)
        {
            writer.WriteNumber("lastStatus"u8, status);
        }

        if (e.LastError is not null)
        {
            writer.WriteString("lastError"u8, e.LastError);
        }

        if (e.NotBefore is { } notBefore)
        {
            writer.WriteString("notBefore"u8, notBefore.UtcDateTime);
        }

        if (e.BatchId is { } batchId)
        {
            writer.WriteString("batchId"u8, batchId);
            writer.WriteNumber("batchIndex"u8, e.BatchIndex ?? 0);
            writer.WriteNumber("batchSize"u8, e.BatchSize ?? 0);
        }

        if (e.BlobName is not null)
        {
            writer.WriteString("blob"u8, e.BlobName);
        }
        else if (!asciiOnly || Ascii.IsValid(e.EventJson.Span))
        {
            writer.WritePropertyName("event"u8);
            writer.WriteRawValue(e.EventJson.Span, skipInputValidation: true);
        }
        else
        {
            writer.WriteBase64String("eventBase64"u8, e.EventJson.Span);
        }

        writer.WriteEndObject();
    }

    /// <summary>Upper bound of the bytes <see cref="Write"/> writes for <paramref name="e"/>.</summary>
    public static int EstimateSize(QueuedEvent e, bool asciiOnly) =>
        160 + e.EventId.Length + (e.Did.Length * 2) + EventBytes(e.EventJson.Span, asciiOnly)
        + (e.BlobName?.Length ?? 0) + (e.TraceParent?.Length ?? 0) + ((e.LastError?.Length ?? 0) * 6)
        + (e.BatchId is { } batchId ? batchId.Length + 32 : 0);

    /// <summary>Reads the array of event objects the reader is at (its StartArray token read); slices of <paramref name="json"/> hold the events.</summary>
    public static List<QueuedEvent> ReadArray(ref Utf8JsonReader reader, ReadOnlyMemory<byte> json)
    {
        var events = new List<QueuedEvent>();
        while (reader.Read() && reader.TokenType == JsonTokenType.StartObject)
        {
            events.Add(Read(ref reader, json));
        }

        if (reader.TokenType != JsonTokenType.EndArray)
        {
            throw new FormatException($"Queue message: expected an event object at byte {reader.TokenStartIndex}.");
        }

        return events;
    }

    private static QueuedEvent Read(ref Utf8JsonReader reader, ReadOnlyMemory<byte> json)
    {
        string? eventId = null, did = null, blob = null, traceParent = null, lastError = null, batchId = null;
        DateTimeOffset? queuedAt = null, firstAttemptAt = null, notBefore = null;
        long? timeUs = null;
        int attempts = 0;
        int? lastStatus = null, batchIndex = null, batchSize = null;
        ReadOnlyMemory<byte> eventJson = default;
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            var name = reader.ValueSpan;
            reader.Read();
            // Matched as UTF-8 bytes: a string per property name of every event was most of what decoding allocated.
            switch (PropertyOf(name))
            {
                case Property.EventId: eventId = reader.GetString(); break;
                case Property.QueuedAt: queuedAt = reader.GetDateTimeOffset(); break;
                case Property.Did: did = reader.GetString(); break;
                case Property.TimeUs: timeUs = reader.GetInt64(); break;
                case Property.TraceParent: traceParent = reader.GetString(); break;
                case Property.Attempts: attempts = reader.GetInt32(); break;
                case Property.FirstAttemptAt: firstAttemptAt = reader.GetDateTimeOffset(); break;
                case Property.LastStatus: lastStatus = reader.GetInt32(); break;
                case Property.LastError: lastError = reader.GetString(); break;
                case Property.NotBefore: notBefore = reader.GetDateTimeOffset(); break;
                case Property.Blob: blob = reader.GetString(); break;
                case Property.BatchId: batchId = reader.GetString(); break;
                case Property.BatchIndex: batchIndex = reader.GetInt32(); break;
                case Property.BatchSize: batchSize = reader.GetInt32(); break;
                case Property.Event:
                    // Raw UTF-8 as well as ASCII: version 1 messages written before eventBase64 existed, and every
                    // version 2 message, carry any event here.
                    var start = (int)reader.TokenStartIndex;
                    reader.Skip();
                    eventJson = json[start..(int)reader.BytesConsumed];
                    break;
                case Property.EventBase64: eventJson = reader.GetBytesFromBase64(); break;
                default: reader.Skip(); break;
            }
        }

        if (eventId is null || did is null || queuedAt is null || timeUs is null)
        {
            throw new FormatException("Queue message event lacks one of eventId, did, queuedAt, timeUs.");
        }

        if (blob is null && eventJson.IsEmpty)
        {
            throw new FormatException($"Queue message event {eventId} has none of 'event', 'eventBase64', 'blob'.");
        }

        return new QueuedEvent
        {
            EventId = eventId,
            Did = did,
            QueuedAt = queuedAt.Value,
            TimeUs = timeUs.Value,
            EventJson = eventJson,
            BlobName = blob,
            TraceParent = traceParent,
            Attempts = attempts,
            FirstAttemptAt = firstAttemptAt,
            LastStatus = lastStatus,
            LastError = lastError,
            NotBefore = notBefore,
            BatchId = batchId,
            BatchIndex = batchIndex,
            BatchSize = batchSize,
        };
    }

    private enum Property
    {
        Other,
        EventId,
        QueuedAt,
        Did,
        TimeUs,
        TraceParent,
        Attempts,
        FirstAttemptAt,
        LastStatus,
        LastError,
        NotBefore,
        Blob,
        BatchId,
        BatchIndex,
        BatchSize,
        Event,
        EventBase64,
    }

    /// <summary>The property a name (its bytes as written, unescaped names only, as before) stands for.</summary>
    private static Property PropertyOf(ReadOnlySpan<byte> name) => name switch
    {
        _ when name.SequenceEqual("eventId"u8) => Property.EventId,
        _ when name.SequenceEqual("queuedAt"u8) => Property.QueuedAt,
        _ when name.SequenceEqual("did"u8) => Property.Did,
        _ when name.SequenceEqual("timeUs"u8) => Property.TimeUs,
        _ when name.SequenceEqual("traceparent"u8) => Property.TraceParent,
        _ when name.SequenceEqual("event"u8) => Property.Event,
        _ when name.SequenceEqual("attempts"u8) => Property.Attempts,
        _ when name.SequenceEqual("firstAttemptAt"u8) => Property.FirstAttemptAt,
        _ when name.SequenceEqual("lastStatus"u8) => Property.LastStatus,
        _ when name.SequenceEqual("lastError"u8) => Property.LastError,
        _ when name.SequenceEqual("notBefore"u8) => Property.NotBefore,
        _ when name.SequenceEqual("blob"u8) => Property.Blob,
        _ when name.SequenceEqual("batchId"u8) => Property.BatchId,
        _ when name.SequenceEqual("batchIndex"u8) => Property.BatchIndex,
        _ when name.SequenceEqual("batchSize"u8) => Property.BatchSize,
        _ when name.SequenceEqual("eventBase64"u8) => Property.EventBase64,
        _ => Property.Other,
    };

    /// <summary>What an event's JSON takes: itself, or when it must be ASCII and is not, its base64 form.</summary>
    private static int EventBytes(ReadOnlySpan<byte> json, bool asciiOnly) =>
        !asciiOnly || Ascii.IsValid(json) ? json.Length : Base64.GetMaxEncodedToUtf8Length(json.Length);
}
