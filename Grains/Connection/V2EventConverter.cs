using System.Buffers;
using System.Globalization;
using System.Text.Json;

namespace Jetstream.Grains.Connection;

/// <summary>
/// Turns a v2 frame (PROTOCOL.md §3.2) into what the service forwards: a message frame's payload becomes the v1 event
/// JSON (§2.5) — <c>did</c>, <c>time_us</c> from <c>time</c>, <c>kind</c>, and the commit fields nested under
/// <c>commit</c> in the v1 order, or the identity/account object copied byte for byte — so a receiver cannot tell which
/// wire carried it. <c>#info</c> and error frames come back as <see cref="WireFrameKind.Info"/> / <see cref="WireFrameKind.Error"/>.
/// Values are copied as raw tokens (no re-escaping), so a record's bytes are the server's.
/// </summary>
public static class V2EventConverter
{
    private const string TypePrefix = "network.bsky.jetstream.subscribeEvents#";

    public static WireFrame Convert(ReadOnlyMemory<byte> frame, ArrayBufferWriter<byte> output)
    {
        try
        {
            return ConvertCore(frame, output);
        }
        catch (Exception ex) when (ex is JsonException or FormatException or InvalidOperationException)
        {
            return WireFrame.Bad("invalid v2 frame", frame);
        }
    }

    private static WireFrame ConvertCore(ReadOnlyMemory<byte> frame, ArrayBufferWriter<byte> output)
    {
        var span = frame.Span;
        var reader = new Utf8JsonReader(span);
        if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
        {
            return WireFrame.Bad("v2 frame is not an object", frame);
        }

        string? frameType = null, error = null, message = null;
        Payload payload = default;
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            if (reader.ValueTextEquals("$type"u8))
            {
                reader.Read();
                frameType = reader.GetString();
            }
            else if (reader.ValueTextEquals("payload"u8))
            {
                reader.Read();
                payload = Payload.Read(ref reader, span);
            }
            else if (reader.ValueTextEquals("error"u8))
            {
                reader.Read();
                error = reader.GetString();
            }
            else if (reader.ValueTextEquals("message"u8))
            {
                reader.Read();
                message = reader.TokenType == JsonTokenType.String ? reader.GetString() : null;
            }
            else
            {
                reader.Read();
                reader.Skip();
            }
        }

        if (frameType == "error")
        {
            return new WireFrame(WireFrameKind.Error, default, frame, Name: error ?? "unknown", Problem: message);
        }

        if (frameType != "message" || payload.Type is null)
        {
            return WireFrame.Bad("not a v2 message frame", frame);
        }

        var kind = payload.Type.StartsWith(TypePrefix, StringComparison.Ordinal) ? payload.Type[TypePrefix.Length..] : payload.Type;
        if (kind == "info")
        {
            return new WireFrame(WireFrameKind.Info, default, frame, Name: payload.InfoName ?? "unknown", Problem: payload.InfoMessage);
        }

        if (payload.Seq is not { } seq || !Has(payload.Did) || payload.Time is null)
        {
            return WireFrame.Bad("v2 message without seq, did or time", frame);
        }

        var wrapped = kind switch { "identity" => payload.Identity, "account" => payload.Account, _ => default };
        if (kind != "commit" && !Has(wrapped))
        {
            // #sync has no v1 form (§2.3), and we never ask for it; an unknown kind is not ours to forward either.
            return WireFrame.Bad($"v2 {kind} event has no v1 form", frame);
        }

        var timeUs = ToMicroseconds(payload.Time);
        using (var writer = new Utf8JsonWriter(output))
        {
            writer.WriteStartObject();
            Raw(writer, "did"u8, payload.Did, span);
            writer.WriteNumber("time_us"u8, timeUs);
            writer.WriteString("kind"u8, kind);
            if (kind == "commit")
            {
                writer.WriteStartObject("commit"u8);
                Raw(writer, "rev"u8, payload.Rev, span);
                Raw(writer, "operation"u8, payload.Operation, span);
                Raw(writer, "collection"u8, payload.Collection, span);
                Raw(writer, "rkey"u8, payload.Rkey, span);
                Raw(writer, "record"u8, payload.Record, span);
                Raw(writer, "cid"u8, payload.Cid, span);
                writer.WriteEndObject();
            }
            else
            {
                Raw(writer, kind == "identity" ? "identity"u8 : "account"u8, wrapped, span);
            }

            writer.WriteEndObject();
        }

        return new WireFrame(WireFrameKind.Event, output.WrittenMemory, frame, seq, timeUs);
    }

    /// <summary>RFC 3339 with six fractional digits (§3.2) to unix µs, exactly.</summary>
    public static long ToMicroseconds(string time) =>
        (DateTimeOffset.Parse(time, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal) - DateTimeOffset.UnixEpoch).Ticks / 10;

    private static void Raw(Utf8JsonWriter writer, ReadOnlySpan<byte> name, Range value, ReadOnlySpan<byte> frame)
    {
        if (Has(value))
        {
            writer.WritePropertyName(name);
            writer.WriteRawValue(frame[value], skipInputValidation: true);
        }
    }

    private static bool Has(Range value) => !value.Equals(default(Range));

    /// <summary>Where each payload field lies in the frame (raw tokens), and the few values read as such.</summary>
    private struct Payload
    {
        public string? Type, Time, InfoName, InfoMessage;
        public long? Seq;
        public Range Did, Rev, Operation, Collection, Rkey, Record, Cid, Identity, Account;

        public static Payload Read(ref Utf8JsonReader reader, ReadOnlySpan<byte> frame)
        {
            var payload = default(Payload);
            if (reader.TokenType != JsonTokenType.StartObject)
            {
                reader.Skip();
                return payload;
            }

            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                var name = reader.GetString();
                reader.Read();
                switch (name)
                {
                    case "$type": payload.Type = reader.GetString(); break;
                    case "seq": payload.Seq = reader.GetInt64(); break;
                    case "time": payload.Time = reader.GetString(); break;
                    case "name": payload.InfoName = reader.GetString(); break;
                    case "message": payload.InfoMessage = reader.GetString(); break;
                    case "did": payload.Did = Value(ref reader); break;
                    case "rev": payload.Rev = Value(ref reader); break;
                    case "operation": payload.Operation = Value(ref reader); break;
                    case "collection": payload.Collection = Value(ref reader); break;
                    case "rkey": payload.Rkey = Value(ref reader); break;
                    case "record": payload.Record = Value(ref reader); break;
                    case "cid": payload.Cid = Value(ref reader); break;
                    case "identity": payload.Identity = Value(ref reader); break;
                    case "account": payload.Account = Value(ref reader); break;
                    default: reader.Skip(); break;
                }
            }

            return payload;
        }

        private static Range Value(ref Utf8JsonReader reader)
        {
            var start = (int)reader.TokenStartIndex;
            reader.Skip();
            return new Range(start, (int)reader.BytesConsumed);
        }
    }
}
