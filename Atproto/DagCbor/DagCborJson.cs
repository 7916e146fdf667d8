using System.Buffers;
using System.Formats.Cbor;
using System.Text.Json;

namespace Jetstream.Atproto.DagCbor;

/// <summary>
/// Converts between DAG-CBOR and the atproto JSON form (what <c>listRecords</c> and Jetstream carry): a CID link is
/// <c>{"$link":"b…"}</c>, bytes are <c>{"$bytes":"&lt;base64, no padding&gt;"}</c>, and blob refs are ordinary maps
/// that pass through as they are.
/// </summary>
public static class DagCborJson
{
    /// <summary>
    /// Options for a writer of records: text stays as it is, emoji included, and only what JSON requires is escaped
    /// (<see cref="System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping"/> still escapes every
    /// character outside the Basic Multilingual Plane).
    /// </summary>
    public static JsonWriterOptions WriterOptions { get; } = new() { Encoder = MinimalJsonEncoder.Instance };

    /// <summary>Writes one DAG-CBOR value (a record) as atproto JSON, checking it fully as it goes.</summary>
    public static void WriteJson(ReadOnlyMemory<byte> cbor, Utf8JsonWriter writer, DagCborLimits? limits = null, string what = "record")
    {
        limits ??= DagCborLimits.Default;
        DagCborReader.Read(cbor, what, limits, reader =>
        {
            Copy(reader, writer, limits.MaxDepth);
            return true;
        });
    }

    /// <summary>The atproto JSON of one DAG-CBOR value, as UTF-8.</summary>
    public static byte[] ToJsonUtf8(ReadOnlyMemory<byte> cbor, DagCborLimits? limits = null)
    {
        var buffer = new ArrayBufferWriter<byte>(cbor.Length * 2 + 16);
        using (var writer = new Utf8JsonWriter(buffer, WriterOptions))
        {
            WriteJson(cbor, writer, limits);
        }
        return buffer.WrittenSpan.ToArray();
    }

    /// <summary>Checks that <paramref name="cbor"/> is one valid atproto DAG-CBOR value, without converting it.</summary>
    public static void Validate(ReadOnlyMemory<byte> cbor, DagCborLimits? limits = null, string what = "record")
    {
        limits ??= DagCborLimits.Default;
        DagCborReader.Read(cbor, what, limits, reader =>
        {
            Skip(reader, limits.MaxDepth);
            return true;
        });
    }

    /// <summary>
    /// The DAG-CBOR of an atproto JSON value (a record must be an object): keys sorted the DAG-CBOR way, <c>$link</c>
    /// and <c>$bytes</c> turned back into links and bytes, and what atproto forbids (floats, a bad <c>$type</c>, a
    /// malformed blob, link or bytes) refused with a reason.
    /// </summary>
    public static byte[] FromJson(JsonElement json) => JsonToDagCbor.Encode(json);

    /// <inheritdoc cref="FromJson(JsonElement)"/>
    public static byte[] FromJson(string json)
    {
        try
        {
            using var document = JsonDocument.Parse(json);
            return FromJson(document.RootElement);
        }
        catch (JsonException e)
        {
            throw new AtprotoException($"not valid JSON: {e.Message}", e);
        }
    }

    private static void Copy(DagCborReader reader, Utf8JsonWriter writer, int depthLeft)
    {
        switch (reader.Peek())
        {
            case CborReaderState.StartMap:
                var entries = Enter(reader, depthLeft).ReadStartMap();
                writer.WriteStartObject();
                for (var i = 0; i < entries; i++)
                {
                    writer.WritePropertyName(ValidUtf8(reader, reader.ReadKey().Span));
                    Copy(reader, writer, depthLeft - 1);
                }
                reader.ReadEndMap();
                writer.WriteEndObject();
                break;
            case CborReaderState.StartArray:
                var items = Enter(reader, depthLeft).ReadStartArray();
                writer.WriteStartArray();
                for (var i = 0; i < items; i++)
                {
                    Copy(reader, writer, depthLeft - 1);
                }
                reader.ReadEndArray();
                writer.WriteEndArray();
                break;
            case CborReaderState.Tag:
                writer.WriteStartObject();
                writer.WriteString("$link"u8, reader.ReadCid().ToString());
                writer.WriteEndObject();
                break;
            case CborReaderState.ByteString:
                writer.WriteStartObject();
                writer.WriteString("$bytes"u8, Convert.ToBase64String(reader.ReadBytes()).TrimEnd('='));
                writer.WriteEndObject();
                break;
            case CborReaderState.TextString:
                writer.WriteStringValue(ValidUtf8(reader, reader.ReadTextUtf8().Span));
                break;
            case CborReaderState.UnsignedInteger or CborReaderState.NegativeInteger:
                writer.WriteNumberValue(reader.ReadInt64());
                break;
            case CborReaderState.Boolean:
                writer.WriteBooleanValue(reader.ReadBoolean());
                break;
            case CborReaderState.Null:
                reader.ReadNull();
                writer.WriteNullValue();
                break;
            case var other:
                throw reader.Fail($"unexpected {other}");
        }
    }

    private static void Skip(DagCborReader reader, int depthLeft)
    {
        switch (reader.Peek())
        {
            case CborReaderState.StartMap:
                var entries = Enter(reader, depthLeft).ReadStartMap();
                for (var i = 0; i < entries; i++)
                {
                    reader.ReadKey();
                    Skip(reader, depthLeft - 1);
                }
                reader.ReadEndMap();
                break;
            case CborReaderState.StartArray:
                var items = Enter(reader, depthLeft).ReadStartArray();
                for (var i = 0; i < items; i++)
                {
                    Skip(reader, depthLeft - 1);
                }
                reader.ReadEndArray();
                break;
            case CborReaderState.Tag:
                reader.ReadCid();
                break;
            case CborReaderState.ByteString:
                reader.ReadBytes();
                break;
            case CborReaderState.TextString:
                ValidUtf8(reader, reader.ReadTextUtf8().Span);
                break;
            case CborReaderState.UnsignedInteger or CborReaderState.NegativeInteger:
                reader.ReadInt64();
                break;
            case CborReaderState.Boolean:
                reader.ReadBoolean();
                break;
            case CborReaderState.Null:
                reader.ReadNull();
                break;
            case var other:
                throw reader.Fail($"unexpected {other}");
        }
    }

    // The minimal encoder writes what it is given, so the bytes are checked here instead of by the writer.
    private static ReadOnlySpan<byte> ValidUtf8(DagCborReader reader, ReadOnlySpan<byte> text) =>
        System.Text.Unicode.Utf8.IsValid(text) ? text : throw reader.Fail("a string is not valid UTF-8");

    private static DagCborReader Enter(DagCborReader reader, int depthLeft) =>
        depthLeft > 0 ? reader : throw reader.Fail("nested too deeply");
}
