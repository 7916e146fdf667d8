using System.Buffers;
using System.Globalization;
using System.Text.Json;
using Jetstream.Grains.Connection;
using ZstdSharp;

namespace Jetstream.TestSupport;

/// <summary>How a test server puts a v1 event on the other wires: zstd with a real dictionary, or a v2 message frame.</summary>
public static class WireEncodings
{
    private static long _seq;

    public static byte[] Zstd(byte[] plain, ZstdDictionaryBytes? dictionary)
    {
        using var compressor = new Compressor(3);
        compressor.LoadDictionary((dictionary ?? throw new InvalidOperationException("This build has no built-in dictionaries (../shared/jetstream missing).")).Bytes);
        return compressor.Wrap(plain).ToArray();
    }

    /// <summary>The v2 message frame (PROTOCOL.md §3.2) of a v1 commit; the record is copied as raw bytes.</summary>
    public static byte[] V2Message(byte[] v1Commit)
    {
        using var doc = JsonDocument.Parse(v1Commit);
        var root = doc.RootElement;
        var commit = root.GetProperty("commit");
        var buffer = new ArrayBufferWriter<byte>(v1Commit.Length + 256);
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            writer.WriteString("$type", "message");
            writer.WriteStartObject("payload");
            writer.WriteString("$type", "network.bsky.jetstream.subscribeEvents#commit");
            writer.WriteString("collection", commit.GetProperty("collection").GetString());
            writer.WriteString("did", root.GetProperty("did").GetString());
            writer.WriteString("operation", commit.GetProperty("operation").GetString());
            if (commit.TryGetProperty("record", out var record))
            {
                writer.WritePropertyName("record");
                writer.WriteRawValue(System.Text.Encoding.UTF8.GetBytes(record.GetRawText()), skipInputValidation: true);
            }

            writer.WriteString("rev", commit.GetProperty("rev").GetString());
            writer.WriteString("rkey", commit.GetProperty("rkey").GetString());
            writer.WriteNumber("seq", Interlocked.Increment(ref _seq));
            writer.WriteString("time", DateTime.UnixEpoch.AddTicks(root.GetProperty("time_us").GetInt64() * 10).ToString("yyyy-MM-dd'T'HH:mm:ss.ffffff'Z'", CultureInfo.InvariantCulture));
            writer.WriteEndObject();
            writer.WriteEndObject();
        }

        return buffer.WrittenSpan.ToArray();
    }
}
