using System.Buffers;
using System.Buffers.Text;
using System.IO.Compression;
using System.Text.Json;

namespace Jetstream.Storage;

/// <summary>
/// The version 2 body: <c>{"v":2,"deflate":"&lt;base64&gt;"}</c>, the base64 (standard alphabet, padded) of the raw
/// deflate stream (RFC 1951, no zlib or gzip header) of <c>{"events":[…]}</c>. Raw deflate is what every platform's
/// zlib inflates (<c>zlib.decompress(data, -15)</c>, Node's <c>inflateRawSync</c>, .NET's <see cref="DeflateStream"/>).
/// </summary>
internal static class CompressedMessage
{
    /// <summary>Speed over ratio: the processor compresses on the grain's turn, and level 1 already gives 2.3 times the events per message.</summary>
    public const CompressionLevel Level = CompressionLevel.Fastest;

    public static ReadOnlySpan<byte> ContentPrefix => "{\"events\":["u8;

    public static ReadOnlySpan<byte> ContentSuffix => "]}"u8;

    private static ReadOnlySpan<byte> BodyPrefix => "{\"v\":2,\"deflate\":\""u8;

    private static ReadOnlySpan<byte> BodySuffix => "\"}"u8;

    /// <summary>Bytes of the body around the base64.</summary>
    public static int EnvelopeBytes => BodyPrefix.Length + BodySuffix.Length;

    /// <summary>The most compressed bytes whose body stays within <paramref name="maxBodyBytes"/>.</summary>
    public static int CompressedCapacity(int maxBodyBytes) => (maxBodyBytes - EnvelopeBytes) / 4 * 3;

    /// <summary>The body around <paramref name="deflated"/>.</summary>
    public static BinaryData Wrap(ReadOnlySpan<byte> deflated)
    {
        var body = new byte[BodyPrefix.Length + Base64.GetMaxEncodedToUtf8Length(deflated.Length) + BodySuffix.Length];
        BodyPrefix.CopyTo(body);
        Base64.EncodeToUtf8(deflated, body.AsSpan(BodyPrefix.Length), out _, out var written);
        BodySuffix.CopyTo(body.AsSpan(BodyPrefix.Length + written));
        return new BinaryData(body);
    }

    /// <summary>One body holding all of <paramref name="events"/> (a rewrite: no size limit applied here).</summary>
    public static BinaryData Encode(IReadOnlyList<QueuedEvent> events)
    {
        using var compressed = new MemoryStream();
        using (var deflate = new DeflateStream(compressed, Level, leaveOpen: true))
        {
            var content = new ArrayBufferWriter<byte>();
            content.Write(ContentPrefix);
            using (var writer = new Utf8JsonWriter(content, new JsonWriterOptions { SkipValidation = true }))
            {
                for (var i = 0; i < events.Count; i++)
                {
                    if (i > 0)
                    {
                        writer.Flush();
                        content.Write(","u8);
                        writer.Reset();
                    }

                    QueuedEventJson.Write(writer, events[i], asciiOnly: false);
                }
            }

            content.Write(ContentSuffix);
            deflate.Write(content.WrittenSpan);
        }

        return Wrap(compressed.GetBuffer().AsSpan(0, (int)compressed.Length));
    }

    /// <summary>The inflated content of a version 2 body: <c>{"events":[…]}</c>.</summary>
    public static ReadOnlyMemory<byte> Inflate(ReadOnlyMemory<byte> body)
    {
        var reader = new Utf8JsonReader(body.Span);
        QueueMessageCodec.Expect(ref reader, JsonTokenType.StartObject);
        byte[]? deflated = null;
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            var isDeflate = reader.ValueTextEquals("deflate"u8);
            reader.Read();
            if (isDeflate)
            {
                deflated = reader.TryGetBytesFromBase64(out var bytes)
                    ? bytes
                    : throw new FormatException("Queue message version 2: 'deflate' is not base64.");
            }
            else
            {
                reader.Skip();
            }
        }

        if (deflated is null)
        {
            throw new FormatException("Queue message version 2 has no 'deflate' content.");
        }

        try
        {
            using var input = new MemoryStream(deflated, writable: false);
            using var inflate = new DeflateStream(input, CompressionMode.Decompress);
            var content = new MemoryStream(deflated.Length * 4);
            inflate.CopyTo(content);
            return content.GetBuffer().AsMemory(0, (int)content.Length);
        }
        catch (InvalidDataException ex)
        {
            throw new FormatException($"Queue message version 2: 'deflate' is not a deflate stream: {ex.Message}", ex);
        }
    }
}
