using System.Buffers;
using System.Text.Json;

namespace Jetstream.Storage;

/// <summary>
/// Reads and writes queue message bodies, in two versions (docs/queue-contract.md):
/// <list type="bullet">
/// <item>1: <c>{"v":1,"events":[{"eventId":…,"queuedAt":…,"did":…,"timeUs":…,"event":{…original JSON…}}, …]}</c></item>
/// <item>2: <c>{"v":2,"deflate":"…"}</c>, the base64 of the raw deflate (RFC 1951) of <c>{"events":[…]}</c>, the
/// same event objects with every event's bytes raw in <c>event</c>: about 2.3 times as many events per message.</item>
/// </list>
/// The event JSON is copied byte for byte in both directions, so what the webhook receives is what Jetstream sent.
/// A body is always ASCII: in version 1 an event with any byte outside ASCII travels as <c>"eventBase64"</c> instead
/// of <c>"event"</c>, in version 2 the compressed bytes are base64; because a body handled as text on its way can lose
/// multi-byte characters. Azurite decodes each TCP chunk of a request on its own, turning a character split between
/// chunks into U+FFFD (Azure/Azurite#2670, the cause of issue 12's em-dash); base64 and the writer's escaping of the
/// other strings leave nothing to split.
/// </summary>
public static class QueueMessageCodec
{
    /// <summary>Plain JSON; every consumer ever released reads it.</summary>
    public const int PlainVersion = 1;

    /// <summary>Deflate-compressed JSON in base64; read by consumers from this release on.</summary>
    public const int CompressedVersion = 2;

    /// <summary>The newest version this code reads and writes.</summary>
    public const int LatestVersion = CompressedVersion;

    /// <summary>Envelope bytes around the events, and per event around its JSON, in version 1; used to pack messages.</summary>
    public const int MessageOverheadBytes = 24;

    private static readonly JsonWriterOptions WriterOptions = new() { SkipValidation = true, Indented = false };

    /// <summary>Upper bound of the bytes <paramref name="queuedEvent"/> adds to a version 1 message.</summary>
    public static int EstimateSize(QueuedEvent queuedEvent) => QueuedEventJson.EstimateSize(queuedEvent, asciiOnly: true);

    /// <summary>One version 1 body holding <paramref name="events"/>.</summary>
    public static BinaryData Encode(IReadOnlyList<QueuedEvent> events) => Encode(events, PlainVersion);

    /// <summary>One body of <paramref name="version"/> holding all of <paramref name="events"/>, whatever its size (<see cref="MessagePacker"/> packs to a limit).</summary>
    public static BinaryData Encode(IReadOnlyList<QueuedEvent> events, int version)
    {
        switch (version)
        {
            case PlainVersion:
                var buffer = new ArrayBufferWriter<byte>(events.Sum(EstimateSize) + MessageOverheadBytes);
                using (var writer = new Utf8JsonWriter(buffer, WriterOptions))
                {
                    writer.WriteStartObject();
                    writer.WriteNumber("v"u8, PlainVersion);
                    writer.WriteStartArray("events"u8);
                    foreach (var e in events)
                    {
                        QueuedEventJson.Write(writer, e, asciiOnly: true);
                    }

                    writer.WriteEndArray();
                    writer.WriteEndObject();
                }

                return new BinaryData(buffer.WrittenMemory);
            case CompressedVersion:
                return CompressedMessage.Encode(events);
            default:
                throw new ArgumentOutOfRangeException(nameof(version), version, $"Message versions are {PlainVersion} to {LatestVersion}.");
        }
    }

    /// <summary>Parses a message body of any version. Throws <see cref="FormatException"/> naming what is wrong.</summary>
    public static IReadOnlyList<QueuedEvent> Decode(BinaryData body) => DecodeMessage(body.ToMemory()).Events;

    public static IReadOnlyList<QueuedEvent> Decode(ReadOnlyMemory<byte> body) => DecodeMessage(body).Events;

    /// <summary>
    /// Parses a message body and says which version it was. A version above <paramref name="readableVersion"/> (or
    /// above <see cref="LatestVersion"/>) throws <see cref="UnsupportedMessageVersionException"/>, checked before anything
    /// else is read, so a newer message is never mistaken for a malformed one; anything else wrong throws
    /// <see cref="FormatException"/>.
    /// </summary>
    public static DecodedMessage DecodeMessage(ReadOnlyMemory<byte> body, int readableVersion = LatestVersion)
    {
        try
        {
            var version = ReadVersion(body.Span);
            if (version > Math.Min(readableVersion, LatestVersion))
            {
                throw new UnsupportedMessageVersionException(version, Math.Min(readableVersion, LatestVersion));
            }

            return version switch
            {
                PlainVersion => new DecodedMessage(version, ReadEvents(body)),
                CompressedVersion => new DecodedMessage(version, ReadEvents(CompressedMessage.Inflate(body))),
                _ => throw new FormatException($"Queue message version {version} does not exist (versions start at {PlainVersion})."),
            };
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

    /// <summary>The top-level <c>"v"</c> (written first, so usually found at once).</summary>
    private static int ReadVersion(ReadOnlySpan<byte> body)
    {
        var reader = new Utf8JsonReader(body);
        Expect(ref reader, JsonTokenType.StartObject);
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            if (reader.ValueTextEquals("v"u8))
            {
                reader.Read();
                return reader.GetInt32();
            }

            reader.Read();
            reader.Skip();
        }

        throw new FormatException("Queue message has no version ('v').");
    }

    /// <summary>The top-level <c>"events"</c> of a version 1 body, or of a version 2 body's inflated content.</summary>
    private static List<QueuedEvent> ReadEvents(ReadOnlyMemory<byte> json)
    {
        var reader = new Utf8JsonReader(json.Span);
        Expect(ref reader, JsonTokenType.StartObject);
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            if (reader.ValueTextEquals("events"u8))
            {
                Expect(ref reader, JsonTokenType.StartArray);
                return QueuedEventJson.ReadArray(ref reader, json);
            }

            reader.Read();
            reader.Skip();
        }

        throw new FormatException("Queue message has no 'events' array.");
    }

    internal static void Expect(ref Utf8JsonReader reader, JsonTokenType type)
    {
        if (!reader.Read() || reader.TokenType != type)
        {
            throw new FormatException($"Queue message: expected {type} at byte {reader.TokenStartIndex}.");
        }
    }
}
