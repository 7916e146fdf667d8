using System.Buffers;
using System.Text.Json;
using Jetstream.Grains.Interfaces;

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

    /// <param name="writer">A writer to reuse (reset onto <paramref name="output"/>), so a frame allocates nothing; null: a new one.</param>
    public static WireFrame Convert(ReadOnlyMemory<byte> frame, ArrayBufferWriter<byte> output, Utf8JsonWriter? writer = null)
    {
        try
        {
            return ConvertCore(frame, output, writer);
        }
        catch (Exception ex) when (ex is JsonException or FormatException or InvalidOperationException)
        {
            return WireFrame.Bad("invalid v2 frame", frame);
        }
    }

    private static WireFrame ConvertCore(ReadOnlyMemory<byte> frame, ArrayBufferWriter<byte> output, Utf8JsonWriter? reused)
    {
        var span = frame.Span;
        var reader = new Utf8JsonReader(span);
        if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
        {
            return WireFrame.Bad("v2 frame is not an object", frame);
        }

        var isMessage = false;
        var isError = false;
        string? error = null, message = null;
        Payload payload = default;
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            if (reader.ValueTextEquals("$type"u8))
            {
                reader.Read();
                isMessage = reader.ValueTextEquals("message"u8);
                isError = reader.ValueTextEquals("error"u8);
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

        if (isError)
        {
            return new WireFrame(WireFrameKind.Error, default, frame, Name: error ?? "unknown", Problem: message);
        }

        if (!isMessage || payload.Kind == PayloadKind.None)
        {
            return WireFrame.Bad("not a v2 message frame", frame);
        }

        if (payload.Kind == PayloadKind.Info)
        {
            return new WireFrame(WireFrameKind.Info, default, frame, Name: payload.InfoName ?? "unknown", Problem: payload.InfoMessage);
        }

        if (payload.Seq is not { } seq || !Has(payload.Did) || payload.TimeUs is not { } timeUs)
        {
            return WireFrame.Bad("v2 message without seq, did or time", frame);
        }

        var wrapped = payload.Kind switch { PayloadKind.Identity => payload.Identity, PayloadKind.Account => payload.Account, _ => default };
        if (payload.Kind != PayloadKind.Commit && !Has(wrapped))
        {
            // #sync has no v1 form (§2.3), and we never ask for it; an unknown kind is not ours to forward either.
            return WireFrame.Bad($"v2 {payload.Kind} event has no v1 form", frame);
        }

        var writer = reused ?? new Utf8JsonWriter(output);
        writer.Reset(output);
        try
        {
            writer.WriteStartObject();
            Raw(writer, "did"u8, payload.Did, span);
            writer.WriteNumber("time_us"u8, timeUs);
            writer.WriteString("kind"u8, payload.Kind switch { PayloadKind.Commit => "commit"u8, PayloadKind.Identity => "identity"u8, _ => "account"u8 });
            if (payload.Kind == PayloadKind.Commit)
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
                Raw(writer, payload.Kind == PayloadKind.Identity ? "identity"u8 : "account"u8, wrapped, span);
            }

            writer.WriteEndObject();
            writer.Flush();
        }
        finally
        {
            if (reused is null)
            {
                writer.Dispose();
            }
        }

        return new WireFrame(WireFrameKind.Event, output.WrittenMemory, frame, seq, timeUs);
    }

    private enum PayloadKind
    {
        None,
        Commit,
        Identity,
        Account,
        Info,
        Other,
    }

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
        public string? InfoName, InfoMessage;
        public PayloadKind Kind;
        public long? Seq, TimeUs;
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
                // Names compared in place, values kept as positions: nothing is allocated for an event.
                if (reader.ValueTextEquals("$type"u8))
                {
                    reader.Read();
                    payload.Kind = reader.ValueTextEquals(TypePrefix + "commit") ? PayloadKind.Commit
                        : reader.ValueTextEquals(TypePrefix + "identity") ? PayloadKind.Identity
                        : reader.ValueTextEquals(TypePrefix + "account") ? PayloadKind.Account
                        : reader.ValueTextEquals(TypePrefix + "info") ? PayloadKind.Info
                        : PayloadKind.Other;
                    continue;
                }

                if (reader.ValueTextEquals("seq"u8)) { reader.Read(); payload.Seq = reader.GetInt64(); continue; }
                if (reader.ValueTextEquals("time"u8)) { reader.Read(); payload.TimeUs = reader.TryGetDateTimeOffset(out var time) ? UnixMicroseconds.From(time) : null; continue; }
                if (reader.ValueTextEquals("name"u8)) { reader.Read(); payload.InfoName = reader.GetString(); continue; }
                if (reader.ValueTextEquals("message"u8)) { reader.Read(); payload.InfoMessage = reader.GetString(); continue; }
                var field = reader.ValueTextEquals("did"u8) ? 1 : reader.ValueTextEquals("rev"u8) ? 2 : reader.ValueTextEquals("operation"u8) ? 3
                    : reader.ValueTextEquals("collection"u8) ? 4 : reader.ValueTextEquals("rkey"u8) ? 5 : reader.ValueTextEquals("record"u8) ? 6
                    : reader.ValueTextEquals("cid"u8) ? 7 : reader.ValueTextEquals("identity"u8) ? 8 : reader.ValueTextEquals("account"u8) ? 9 : 0;
                reader.Read();
                var value = Value(ref reader);
                switch (field)
                {
                    case 1: payload.Did = value; break;
                    case 2: payload.Rev = value; break;
                    case 3: payload.Operation = value; break;
                    case 4: payload.Collection = value; break;
                    case 5: payload.Rkey = value; break;
                    case 6: payload.Record = value; break;
                    case 7: payload.Cid = value; break;
                    case 8: payload.Identity = value; break;
                    case 9: payload.Account = value; break;
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
