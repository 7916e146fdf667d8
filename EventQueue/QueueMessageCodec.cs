using System.Buffers;
using System.Buffers.Text;
using System.Text;
using System.Text.Json;

namespace Jetstream.EventQueue;

/// <summary>
/// Reads and writes queue message bodies:
/// <code>{"v":1,"events":[{"eventId":…,"queuedAt":…,"did":…,"timeUs":…,"event":{…original JSON…}}, …]}</code>
/// The event JSON is copied byte for byte in both directions, so what the webhook receives is what Jetstream sent.
/// A body is always ASCII: an event with any byte outside ASCII travels as <c>"eventBase64"</c> instead of
/// <c>"event"</c>, because a body handled as text on its way can lose multi-byte characters. Azurite decodes each
/// TCP chunk of a request on its own, turning a character split between chunks into U+FFFD (Azure/Azurite#2670, the
/// cause of issue 12's em-dash); base64 and the writer's escaping of the other strings leave nothing to split.
/// </summary>
public static class QueueMessageCodec
{
    public const int Version = 1;

    /// <summary>Envelope bytes around the events, and per event around its JSON; used to pack messages.</summary>
    public const int MessageOverheadBytes = 24;

    private static readonly JsonWriterOptions WriterOptions = new() { SkipValidation = true, Indented = false };

    /// <summary>Upper bound of the bytes <paramref name="queuedEvent"/> adds to a message.</summary>
    public static int EstimateSize(QueuedEvent queuedEvent) =>
        160 + queuedEvent.EventId.Length + (queuedEvent.Did.Length * 2) + EventBytes(queuedEvent.EventJson.Span)
        + (queuedEvent.BlobName?.Length ?? 0) + (queuedEvent.TraceParent?.Length ?? 0) + ((queuedEvent.LastError?.Length ?? 0) * 6);

    public static BinaryData Encode(IReadOnlyList<QueuedEvent> events)
    {
        var buffer = new ArrayBufferWriter<byte>(events.Sum(EstimateSize) + MessageOverheadBytes);
        Encode(events, buffer);
        return new BinaryData(buffer.WrittenMemory);
    }

    public static void Encode(IReadOnlyList<QueuedEvent> events, IBufferWriter<byte> output)
    {
        using var writer = new Utf8JsonWriter(output, WriterOptions);
        writer.WriteStartObject();
        writer.WriteNumber("v"u8, Version);
        writer.WriteStartArray("events"u8);
        foreach (var e in events)
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

            if (e.BlobName is not null)
            {
                writer.WriteString("blob"u8, e.BlobName);
            }
            else if (Ascii.IsValid(e.EventJson.Span))
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

        writer.WriteEndArray();
        writer.WriteEndObject();
    }

    /// <summary>Parses a message body. Throws <see cref="FormatException"/> naming what is wrong.</summary>
    public static IReadOnlyList<QueuedEvent> Decode(BinaryData body) => Decode(body.ToMemory());

    public static IReadOnlyList<QueuedEvent> Decode(ReadOnlyMemory<byte> body)
    {
        try
        {
            return DecodeCore(body);
        }
        catch (JsonException ex)
        {
            throw new FormatException($"Queue message is not valid JSON: {ex.Message}", ex);
        }
        catch (InvalidOperationException ex)
        {
            // Utf8JsonReader's typed getters throw this for a value of the wrong JSON type, e.g. "timeUs":"x".
            throw new FormatException($"Queue message has a value of the wrong type: {ex.Message}", ex);
        }
    }

    private static List<QueuedEvent> DecodeCore(ReadOnlyMemory<byte> body)
    {
        var reader = new Utf8JsonReader(body.Span);
        Expect(ref reader, JsonTokenType.StartObject);
        var version = 0;
        List<QueuedEvent>? events = null;
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            if (reader.ValueTextEquals("v"u8))
            {
                reader.Read();
                version = reader.GetInt32();
            }
            else if (reader.ValueTextEquals("events"u8))
            {
                Expect(ref reader, JsonTokenType.StartArray);
                events = [];
                while (reader.Read() && reader.TokenType == JsonTokenType.StartObject)
                {
                    events.Add(ReadEvent(ref reader, body));
                }
            }
            else
            {
                reader.Read();
                reader.Skip();
            }
        }

        if (version != Version)
        {
            throw new FormatException($"Queue message version {version} is not supported (expected {Version}).");
        }

        return events ?? throw new FormatException("Queue message has no 'events' array.");
    }

    private static QueuedEvent ReadEvent(ref Utf8JsonReader reader, ReadOnlyMemory<byte> body)
    {
        string? eventId = null, did = null, blob = null, traceParent = null, lastError = null;
        DateTimeOffset? queuedAt = null, firstAttemptAt = null, notBefore = null;
        long? timeUs = null;
        int attempts = 0;
        int? lastStatus = null;
        ReadOnlyMemory<byte> json = default;
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            var name = reader.ValueSpan;
            reader.Read();
            switch (Encoding.ASCII.GetString(name))
            {
                case "eventId": eventId = reader.GetString(); break;
                case "queuedAt": queuedAt = reader.GetDateTimeOffset(); break;
                case "did": did = reader.GetString(); break;
                case "timeUs": timeUs = reader.GetInt64(); break;
                case "traceparent": traceParent = reader.GetString(); break;
                case "attempts": attempts = reader.GetInt32(); break;
                case "firstAttemptAt": firstAttemptAt = reader.GetDateTimeOffset(); break;
                case "lastStatus": lastStatus = reader.GetInt32(); break;
                case "lastError": lastError = reader.GetString(); break;
                case "notBefore": notBefore = reader.GetDateTimeOffset(); break;
                case "blob": blob = reader.GetString(); break;
                case "event":
                    // Raw UTF-8 as well as ASCII: messages written before eventBase64 existed carry any event here.
                    var start = (int)reader.TokenStartIndex;
                    reader.Skip();
                    json = body[start..(int)reader.BytesConsumed];
                    break;
                case "eventBase64": json = reader.GetBytesFromBase64(); break;
                default: reader.Skip(); break;
            }
        }

        if (eventId is null || did is null || queuedAt is null || timeUs is null)
        {
            throw new FormatException("Queue message event lacks one of eventId, did, queuedAt, timeUs.");
        }

        if (blob is null && json.IsEmpty)
        {
            throw new FormatException($"Queue message event {eventId} has none of 'event', 'eventBase64', 'blob'.");
        }

        return new QueuedEvent
        {
            EventId = eventId,
            Did = did,
            QueuedAt = queuedAt.Value,
            TimeUs = timeUs.Value,
            EventJson = json,
            BlobName = blob,
            TraceParent = traceParent,
            Attempts = attempts,
            FirstAttemptAt = firstAttemptAt,
            LastStatus = lastStatus,
            LastError = lastError,
            NotBefore = notBefore,
        };
    }

    /// <summary>What an event's JSON takes in the body: itself when ASCII, else its base64 form (see the class summary).</summary>
    private static int EventBytes(ReadOnlySpan<byte> json) =>
        Ascii.IsValid(json) ? json.Length : Base64.GetMaxEncodedToUtf8Length(json.Length);

    private static void Expect(ref Utf8JsonReader reader, JsonTokenType type)
    {
        if (!reader.Read() || reader.TokenType != type)
        {
            throw new FormatException($"Queue message: expected {type} at byte {reader.TokenStartIndex}.");
        }
    }
}
