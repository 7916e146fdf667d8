using System.Buffers;
using System.Text.Json;

namespace Jetstream.Grains.Backfill;

/// <summary>
/// A backfilled record as the webhook receives it, in Jetstream's commit shape with <c>"live":false</c>:
/// <c>{"did","time_us","kind":"commit","live":false,"commit":{"rev","operation","collection","rkey","record","cid"}}</c>
/// (a delete has neither <c>record</c> nor <c>cid</c>). The record's JSON is copied as the library made it.
/// </summary>
internal static class BackfillEventJson
{
    private static readonly JsonWriterOptions Options = new() { SkipValidation = true };

    private const int MaxKeptBytes = 256 * 1024;

    // One buffer and writer a thread, reused (Write does not await): a new one per record grew two or three times on
    // the way and was a third of the Silo's bytes allocated in bench row a. The event is copied out at its exact size.
    [ThreadStatic]
    private static ArrayBufferWriter<byte>? t_buffer;

    [ThreadStatic]
    private static Utf8JsonWriter? t_writer;

    public static byte[] Write(string did, long timeUs, string rev, RepairChange change)
    {
        var buffer = t_buffer ??= new ArrayBufferWriter<byte>(4096);
        buffer.ResetWrittenCount();
        var writer = t_writer ??= new Utf8JsonWriter(buffer, Options);
        writer.Reset(buffer);
        writer.WriteStartObject();
        writer.WriteString("did"u8, did);
        writer.WriteNumber("time_us"u8, timeUs);
        writer.WriteString("kind"u8, "commit"u8);
        writer.WriteBoolean("live"u8, false);
        writer.WriteStartObject("commit"u8);
        writer.WriteString("rev"u8, rev);
        writer.WriteString("operation"u8, change.Operation);
        writer.WriteString("collection"u8, change.Collection);
        writer.WriteString("rkey"u8, change.Rkey);
        if (change.Record is { } record)
        {
            writer.WritePropertyName("record"u8);
            writer.WriteRawValue(record.Json.Span, skipInputValidation: true);
            writer.WriteString("cid"u8, record.Cid);
        }

        writer.WriteEndObject();
        writer.WriteEndObject();
        writer.Flush();

        var json = buffer.WrittenSpan.ToArray();
        if (buffer.Capacity > MaxKeptBytes)
        {
            // A huge record's buffer is not kept for the thread's life.
            t_buffer = null;
            t_writer = null;
        }

        return json;
    }
}
