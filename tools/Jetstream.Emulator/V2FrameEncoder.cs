using System.Buffers;
using System.Globalization;
using System.Text.Json;

namespace Jetstream.Emulator;

/// <summary>
/// Frames of the v2 wire (xrpc.v1.json, PROTOCOL.md §3.2): a message frame per event, <c>#info</c> and error frames.
/// An event is converted from the v1 JSON the emulator keeps: the envelope becomes <c>$type</c>, <c>seq</c> and
/// <c>time</c>, a commit's fields move up into the payload, and identity, account and sync objects are copied
/// byte for byte. Keys come out in the order of [V2]'s generated encoder (<c>$type</c> first, then alphabetical).
/// </summary>
internal static class V2FrameEncoder
{
    private const string TypePrefix = "network.bsky.jetstream.subscribeEvents#";

    /// <summary>The message frame, or null for a kind the v2 wire has no message for.</summary>
    public static byte[]? Message(LoggedEvent logged)
    {
        var parts = Parts.Read(logged.Utf8);
        var wrapped = logged.Kind switch
        {
            "identity" => parts.Identity,
            "account" => parts.Account,
            "sync" => parts.Sync,
            _ => default,
        };
        if (logged.Kind != "commit" && wrapped.IsEmpty)
        {
            return null;
        }

        var buffer = new ArrayBufferWriter<byte>(logged.Utf8.Length + 128);
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            writer.WriteString("$type", "message");
            writer.WriteStartObject("payload");
            writer.WriteString("$type", TypePrefix + logged.Kind);
            if (logged.Kind == "commit")
            {
                Raw(writer, "cid", parts.Cid);
                Raw(writer, "collection", parts.Collection);
                writer.WriteString("did", logged.Did);
                Raw(writer, "operation", parts.Operation);
                Raw(writer, "record", parts.Record);
                Raw(writer, "rev", parts.Rev);
                Raw(writer, "rkey", parts.Rkey);
            }
            else
            {
                // account < did < identity < seq < sync < time
                if (logged.Kind == "account")
                {
                    Raw(writer, "account", wrapped);
                }

                writer.WriteString("did", logged.Did);
                if (logged.Kind == "identity")
                {
                    Raw(writer, "identity", wrapped);
                }
            }

            writer.WriteNumber("seq", logged.Seq);
            if (logged.Kind == "sync")
            {
                Raw(writer, "sync", wrapped);
            }

            writer.WriteString("time", Time(logged.TimeUs));
            writer.WriteEndObject();
            writer.WriteEndObject();
        }

        return buffer.WrittenSpan.ToArray();
    }

    /// <summary>An <c>#info</c> message frame: no seq, it does not move the cursor.</summary>
    public static byte[] Info(string name, string message) => Write(writer =>
    {
        writer.WriteString("$type", "message");
        writer.WriteStartObject("payload");
        writer.WriteString("$type", TypePrefix + "info");
        writer.WriteString("message", message);
        writer.WriteString("name", name);
        writer.WriteEndObject();
    });

    /// <summary>A terminal error frame; the connection ends right after it.</summary>
    public static byte[] Error(string error, string message) => Write(writer =>
    {
        writer.WriteString("$type", "error");
        writer.WriteString("error", error);
        writer.WriteString("message", message);
    });

    /// <summary>RFC 3339 UTC with exactly six fractional digits, so the µs value round-trips.</summary>
    public static string Time(long timeUs) =>
        DateTime.UnixEpoch.AddTicks(timeUs * 10).ToString("yyyy-MM-dd'T'HH:mm:ss.ffffff'Z'", CultureInfo.InvariantCulture);

    private static byte[] Write(Action<Utf8JsonWriter> body)
    {
        var buffer = new ArrayBufferWriter<byte>(256);
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            body(writer);
            writer.WriteEndObject();
        }

        return buffer.WrittenSpan.ToArray();
    }

    private static void Raw(Utf8JsonWriter writer, string name, ReadOnlyMemory<byte> raw)
    {
        if (!raw.IsEmpty)
        {
            writer.WritePropertyName(name);
            writer.WriteRawValue(raw.Span, skipInputValidation: true);
        }
    }

    /// <summary>The raw JSON values (tokens as sent, quotes included) the v2 payload is built from.</summary>
    private struct Parts
    {
        public ReadOnlyMemory<byte> Cid, Collection, Operation, Record, Rev, Rkey, Identity, Account, Sync;

        public static Parts Read(byte[] utf8)
        {
            var parts = default(Parts);
            var reader = new Utf8JsonReader(utf8);
            reader.Read();
            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                var name = reader.GetString();
                reader.Read();
                if (name == "commit" && reader.TokenType == JsonTokenType.StartObject)
                {
                    while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
                    {
                        var field = reader.GetString();
                        reader.Read();
                        var value = Value(ref reader, utf8);
                        switch (field)
                        {
                            case "cid": parts.Cid = value; break;
                            case "collection": parts.Collection = value; break;
                            case "operation": parts.Operation = value; break;
                            case "record": parts.Record = value; break;
                            case "rev": parts.Rev = value; break;
                            case "rkey": parts.Rkey = value; break;
                        }
                    }

                    continue;
                }

                var raw = Value(ref reader, utf8);
                switch (name)
                {
                    case "identity": parts.Identity = raw; break;
                    case "account": parts.Account = raw; break;
                    case "sync": parts.Sync = raw; break;
                }
            }

            return parts;
        }

        private static ReadOnlyMemory<byte> Value(ref Utf8JsonReader reader, byte[] utf8)
        {
            var start = (int)reader.TokenStartIndex;
            reader.Skip();
            return utf8.AsMemory(start, (int)reader.BytesConsumed - start);
        }
    }
}
