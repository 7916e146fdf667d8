using System.Text.Json;

namespace Jetstream.Grains.Events;

/// <summary>
/// Reads the envelope of a v1 event (PROTOCOL.md §2.5) in one forward pass with <see cref="Utf8JsonReader"/>:
/// <c>did</c>, <c>time_us</c>, <c>kind</c> and, for commits, <c>collection</c>, <c>operation</c>, <c>rkey</c>, <c>rev</c>;
/// for identity and account events, where their object lies.
/// Everything else (records, unknown fields) is skipped unread. Allocates nothing.
/// </summary>
public static class EventParser
{
    public static ParseOutcome Parse(ReadOnlySpan<byte> frame, out ParsedEvent parsed)
    {
        parsed = default;
        try
        {
            return ParseCore(frame, out parsed);
        }
        catch (JsonException)
        {
            return ParseOutcome.InvalidJson;
        }
    }

    private static ParseOutcome ParseCore(ReadOnlySpan<byte> frame, out ParsedEvent parsed)
    {
        parsed = default;
        var reader = new Utf8JsonReader(frame);
        if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
        {
            return ParseOutcome.NotAnObject;
        }

        Utf8Slice did = default, collection = default, operation = default, rkey = default, rev = default, body = default;
        long? timeUs = null;
        var kind = EventKind.Unknown;
        var kindSeen = false;
        var commitSeen = false;

        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            if (reader.ValueTextEquals("did"u8))
            {
                reader.Read();
                did = reader.TokenType == JsonTokenType.String ? SliceOf(ref reader) : default;
            }
            else if (reader.ValueTextEquals("time_us"u8))
            {
                reader.Read();
                timeUs = reader.TokenType == JsonTokenType.Number && reader.TryGetInt64(out var value) ? value : null;
            }
            else if (reader.ValueTextEquals("kind"u8))
            {
                reader.Read();
                kindSeen = reader.TokenType == JsonTokenType.String;
                kind = !kindSeen ? EventKind.Unknown
                    : reader.ValueTextEquals("commit"u8) ? EventKind.Commit
                    : reader.ValueTextEquals("identity"u8) ? EventKind.Identity
                    : reader.ValueTextEquals("account"u8) ? EventKind.Account
                    : EventKind.Unknown;
            }
            else if (reader.ValueTextEquals("commit"u8))
            {
                reader.Read();
                if (reader.TokenType == JsonTokenType.StartObject)
                {
                    commitSeen = true;
                    ReadCommit(ref reader, ref collection, ref operation, ref rkey, ref rev);
                }
                else
                {
                    reader.Skip();
                }
            }
            else if (reader.ValueTextEquals("identity"u8) || reader.ValueTextEquals("account"u8))
            {
                // The relay's object, verbatim and the same on every instance: what an identity/account event's id hashes.
                reader.Read();
                var start = (int)reader.TokenStartIndex;
                reader.Skip();
                body = new Utf8Slice(start, (int)reader.BytesConsumed - start, false);
            }
            else
            {
                reader.Read();
                reader.Skip();
            }
        }

        if (reader.TokenType != JsonTokenType.EndObject || reader.Read())
        {
            // Truncated, or trailing content after the object.
            return ParseOutcome.InvalidJson;
        }

        if (!did.IsPresent || did.Length == 0)
        {
            return ParseOutcome.MissingDid;
        }

        if (timeUs is null)
        {
            return ParseOutcome.MissingTimeUs;
        }

        if (!kindSeen)
        {
            return ParseOutcome.MissingKind;
        }

        if (kind == EventKind.Unknown)
        {
            return ParseOutcome.UnknownKind;
        }

        if (kind == EventKind.Commit)
        {
            if (!commitSeen)
            {
                return ParseOutcome.CommitMissingObject;
            }

            if (!collection.IsPresent || collection.Length == 0)
            {
                return ParseOutcome.CommitMissingCollection;
            }

            if (!operation.IsPresent || !rkey.IsPresent || !rev.IsPresent)
            {
                return ParseOutcome.CommitMissingFields;
            }
        }

        parsed = new ParsedEvent(timeUs.Value, kind, did, collection, operation, rkey, rev, body);
        return ParseOutcome.Ok;
    }

    private static void ReadCommit(ref Utf8JsonReader reader, ref Utf8Slice collection, ref Utf8Slice operation, ref Utf8Slice rkey, ref Utf8Slice rev)
    {
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            var field = reader.ValueTextEquals("collection"u8) ? 1
                : reader.ValueTextEquals("operation"u8) ? 2
                : reader.ValueTextEquals("rkey"u8) ? 3
                : reader.ValueTextEquals("rev"u8) ? 4
                : 0;
            reader.Read();
            if (field == 0 || reader.TokenType != JsonTokenType.String)
            {
                reader.Skip();
                continue;
            }

            var slice = SliceOf(ref reader);
            switch (field)
            {
                case 1: collection = slice; break;
                case 2: operation = slice; break;
                case 3: rkey = slice; break;
                default: rev = slice; break;
            }
        }
    }

    private static Utf8Slice SliceOf(ref Utf8JsonReader reader) =>
        new((int)reader.TokenStartIndex + 1, reader.ValueSpan.Length, reader.ValueIsEscaped);
}
