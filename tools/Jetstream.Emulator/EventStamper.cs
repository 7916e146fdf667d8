using System.Text.Json;

namespace Jetstream.Emulator;

/// <summary>
/// Reads the routing fields of a published event (<c>did</c>, <c>kind</c>, <c>commit.collection</c>) and writes the
/// emulator's <c>time_us</c> into it without re-serialising, so every other byte reaches subscribers unchanged.
/// </summary>
internal readonly ref struct EventStamper
{
    private static readonly byte[] TimeUsProperty = ",\"time_us\":"u8.ToArray();

    private readonly ReadOnlySpan<byte> _source;
    private readonly int _replaceStart;
    private readonly int _replaceLength;
    private readonly bool _insert;

    private EventStamper(ReadOnlySpan<byte> source, string did, string kind, string? collection, int replaceStart, int replaceLength, bool insert)
    {
        _source = source;
        Did = did;
        Kind = kind;
        Collection = collection;
        _replaceStart = replaceStart;
        _replaceLength = replaceLength;
        _insert = insert;
    }

    public string Did { get; }

    public string Kind { get; }

    public string? Collection { get; }

    /// <exception cref="ArgumentException">The payload is not a JSON object with a string <c>did</c>.</exception>
    public static EventStamper Parse(ReadOnlySpan<byte> utf8Json)
    {
        var reader = new Utf8JsonReader(utf8Json, new JsonReaderOptions { CommentHandling = JsonCommentHandling.Disallow });
        string? did = null;
        string? kind = null;
        string? collection = null;
        var timeStart = -1;
        var timeLength = 0;
        var afterDid = -1;
        try
        {
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
            {
                throw new ArgumentException("A Jetstream event must be a JSON object.", nameof(utf8Json));
            }

            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                var property = Property(ref reader);
                reader.Read();
                if (property == Field.Did && reader.TokenType == JsonTokenType.String)
                {
                    did = reader.GetString();
                    afterDid = (int)reader.BytesConsumed;
                }
                else if (property == Field.Kind && reader.TokenType == JsonTokenType.String)
                {
                    kind = reader.GetString();
                }
                else if (property == Field.TimeUs)
                {
                    if (reader.TokenType is JsonTokenType.StartObject or JsonTokenType.StartArray)
                    {
                        throw new ArgumentException("\"time_us\" must be a number.", nameof(utf8Json));
                    }

                    timeStart = (int)reader.TokenStartIndex;
                    timeLength = (int)reader.BytesConsumed - timeStart;
                }
                else if (property == Field.Commit && reader.TokenType == JsonTokenType.StartObject)
                {
                    collection = ReadCollection(ref reader);
                }
                else
                {
                    reader.Skip();
                }
            }

            while (reader.Read())
            {
                // Drain so trailing garbage after the object is rejected as invalid JSON.
            }
        }
        catch (JsonException ex)
        {
            throw new ArgumentException($"Not valid JSON: {ex.Message}", nameof(utf8Json), ex);
        }

        if (string.IsNullOrEmpty(did))
        {
            throw new ArgumentException("A Jetstream event needs a string \"did\".", nameof(utf8Json));
        }

        kind ??= "";
        if (kind != "commit")
        {
            // The legacy server only reads a collection from commits; everything else bypasses the collection filter.
            collection = null;
        }

        return timeStart >= 0
            ? new EventStamper(utf8Json, did, kind, collection, timeStart, timeLength, insert: false)
            : new EventStamper(utf8Json, did, kind, collection, afterDid, 0, insert: true);
    }

    /// <param name="timeUsEnd">Where the <c>time_us</c> number ends in the result (a v2-style server writes <c>cursor</c> there).</param>
    public byte[] Stamp(long timeUs, out int timeUsEnd)
    {
        Span<byte> number = stackalloc byte[20];
        timeUs.TryFormat(number, out var digits, provider: System.Globalization.CultureInfo.InvariantCulture);
        var inserted = _insert ? TimeUsProperty.Length + digits : digits;
        var result = new byte[_source.Length - _replaceLength + inserted];
        _source[.._replaceStart].CopyTo(result);
        var at = _replaceStart;
        if (_insert)
        {
            TimeUsProperty.CopyTo(result.AsSpan(at));
            at += TimeUsProperty.Length;
        }

        number[..digits].CopyTo(result.AsSpan(at));
        at += digits;
        timeUsEnd = at;
        _source[(_replaceStart + _replaceLength)..].CopyTo(result.AsSpan(at));
        return result;
    }

    private enum Field
    {
        Other,
        Did,
        Kind,
        TimeUs,
        Commit,
    }

    private static Field Property(ref Utf8JsonReader reader) =>
        reader.ValueTextEquals("did"u8) ? Field.Did
        : reader.ValueTextEquals("kind"u8) ? Field.Kind
        : reader.ValueTextEquals("time_us"u8) ? Field.TimeUs
        : reader.ValueTextEquals("commit"u8) ? Field.Commit
        : Field.Other;

    private static string? ReadCollection(ref Utf8JsonReader reader)
    {
        string? collection = null;
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            var isCollection = reader.ValueTextEquals("collection"u8);
            reader.Read();
            if (isCollection && reader.TokenType == JsonTokenType.String)
            {
                collection = reader.GetString();
            }
            else
            {
                reader.Skip();
            }
        }

        return collection;
    }
}
