using System.Formats.Cbor;
using System.Globalization;
using System.Text;
using Jetstream.Atproto.Cids;
using Jetstream.Atproto.Syntax;

namespace Atproto.Emulator;

/// <summary>
/// The generated records of an account, made again on every call, in key order (<c>collection/rkey</c>, ordinal)
/// so the tree can be built as they stream past. Record keys are TIDs a day before genesis, one µs apart, so a key
/// names its own position (<see cref="IsGenerated"/>). Texts are not ASCII, posts carry blob refs (links), likes
/// strong refs.
/// </summary>
public sealed class RecordGenerator
{
    private static readonly string[] Phrases =
    [
        "Grüße aus Köln, naïve café",
        "日本語のテキストです",
        "butterflies 🦋✨ in the sky",
        "Ελληνικά γράμματα",
        "עברית וערבية",
        "ça va? ¿qué tal? — «bien»",
        "plain ascii text",
    ];

    private readonly AtprotoEmulatorOptions _options;
    private readonly (string Collection, int Count, int ClockId)[] _collections;
    private readonly DateTimeOffset _keyBase;

    public RecordGenerator(AtprotoEmulatorOptions options)
    {
        _options = options;
        var others = options.OtherCollections;
        var list = new List<(string, int, int)> { (options.MatchingCollection, options.MatchingRecords, 0) };
        for (var i = 0; i < others.Length; i++)
        {
            list.Add((others[i], options.OtherRecords / others.Length + (i < options.OtherRecords % others.Length ? 1 : 0), i + 1));
        }
        // Keys compare as "collection/rkey": sort by that, not by the bare name ('-' sorts before '/').
        _collections = [.. list.OrderBy(c => c.Item1 + "/", StringComparer.Ordinal)];
        _keyBase = options.Genesis.AddDays(-1);
    }

    /// <summary>Generated records of <paramref name="collection"/> per account.</summary>
    public int CountIn(string collection) => _collections.FirstOrDefault(c => c.Collection == collection).Count;

    public long RecordsPerAccount => _collections.Sum(c => (long)c.Count);

    /// <summary>Whether a generated record has this key (whether or not it was changed since).</summary>
    public bool IsGenerated(string collection, string rkey)
    {
        var entry = Array.Find(_collections, c => c.Collection == collection);
        if (entry.Collection is null || !Tid.TryParse(rkey, out var tid))
        {
            return false;
        }
        var position = tid.TimestampMicroseconds - (_keyBase - DateTimeOffset.UnixEpoch).Ticks / 10;
        return position >= 0 && position < entry.Count && RecordKeyAt(position, entry.ClockId) == rkey;
    }

    /// <summary>The account's records in key order: the generated ones with <paramref name="changes"/> (null = deleted) applied.</summary>
    public IEnumerable<(string Path, byte[] Record)> Records(EmulatedAccount account, IReadOnlyList<KeyValuePair<string, byte[]?>> changes)
    {
        var next = 0;
        foreach (var (path, record) in Generated(account))
        {
            while (next < changes.Count && string.CompareOrdinal(changes[next].Key, path) < 0)
            {
                if (changes[next].Value is { } created)
                {
                    yield return (changes[next].Key, created);
                }
                next++;
            }
            if (next < changes.Count && changes[next].Key == path)
            {
                if (changes[next].Value is { } updated)
                {
                    yield return (path, updated);
                }
                next++;
                continue;
            }
            yield return (path, record);
        }
        for (; next < changes.Count; next++)
        {
            if (changes[next].Value is { } created)
            {
                yield return (changes[next].Key, created);
            }
        }
    }

    private IEnumerable<(string Path, byte[] Record)> Generated(EmulatedAccount account)
    {
        var writer = new CborWriter(CborConformanceMode.Canonical, convertIndefiniteLengthEncodings: false);
        foreach (var (collection, count, clockId) in _collections)
        {
            for (var i = 0; i < count; i++)
            {
                var rkey = RecordKeyAt(i, clockId);
                writer.Reset();
                WriteRecord(writer, account, collection, i);
                yield return ($"{collection}/{rkey}", writer.Encode());
            }
        }
    }

    private string RecordKeyAt(long position, int clockId) => Tid.FromTime(_keyBase.AddTicks(position * 10), clockId).Value;

    // Written as DAG-CBOR directly (parsing JSON for each of a million records cost more than all the rest); the
    // canonical writer sorts each map's keys the DAG-CBOR way (length first), and the tests check every shape
    // against the library's JSON round trip.
    private void WriteRecord(CborWriter writer, EmulatedAccount account, string collection, int i)
    {
        var phrase = Phrases[(i + account.Index) % Phrases.Length];
        var createdAt = _keyBase.AddTicks(i * 10L).ToString("yyyy-MM-dd'T'HH:mm:ss.ffffff'Z'", CultureInfo.InvariantCulture);
        var did = account.Did.Value;
        switch (collection)
        {
            case "app.bsky.feed.post":
                writer.WriteStartMap(i % 3 == 0 ? 5 : 4);
                Text(writer, "$type", collection);
                Text(writer, "text", $"{phrase} #{i}");
                Text(writer, "createdAt", createdAt);
                writer.WriteTextString("langs");
                writer.WriteStartArray(2);
                writer.WriteTextString("de");
                writer.WriteTextString("ja");
                writer.WriteEndArray();
                if (i % 3 == 0)
                {
                    writer.WriteTextString("embed");
                    writer.WriteStartMap(2);
                    Text(writer, "$type", "app.bsky.embed.images");
                    writer.WriteTextString("images");
                    writer.WriteStartArray(1);
                    writer.WriteStartMap(2);
                    Text(writer, "alt", phrase);
                    writer.WriteTextString("image");
                    writer.WriteStartMap(4);
                    Text(writer, "$type", "blob");
                    writer.WriteTextString("ref");
                    StreamingMstBuilder.WriteLink(writer, BlobCid(did, i));
                    Text(writer, "mimeType", "image/jpeg");
                    writer.WriteTextString("size");
                    writer.WriteInt32(1000 + i % 5000);
                    writer.WriteEndMap();
                    writer.WriteEndMap();
                    writer.WriteEndArray();
                    writer.WriteEndMap();
                }
                writer.WriteEndMap();
                break;
            case "app.bsky.feed.like":
                writer.WriteStartMap(3);
                Text(writer, "$type", collection);
                writer.WriteTextString("subject");
                writer.WriteStartMap(2);
                Text(writer, "uri", $"at://{did}/app.bsky.feed.post/{RecordKeyAt(i, 0)}");
                Text(writer, "cid", BlobCid(did, -i).ToString());
                writer.WriteEndMap();
                Text(writer, "createdAt", createdAt);
                writer.WriteEndMap();
                break;
            case "app.bsky.graph.follow":
                writer.WriteStartMap(3);
                Text(writer, "$type", collection);
                Text(writer, "subject", $"did:plc:{i:x24}");
                Text(writer, "createdAt", createdAt);
                writer.WriteEndMap();
                break;
            default:
                writer.WriteStartMap(5);
                Text(writer, "$type", collection);
                Text(writer, "text", $"{phrase} #{i}");
                Text(writer, "createdAt", createdAt);
                writer.WriteTextString("ref");
                StreamingMstBuilder.WriteLink(writer, BlobCid(did, i));
                writer.WriteTextString("data");
                writer.WriteByteString([0xde, 0xad, 0xbe, 0xef]);
                writer.WriteEndMap();
                break;
        }
    }

    private static void Text(CborWriter writer, string key, string value)
    {
        writer.WriteTextString(key);
        writer.WriteTextString(value);
    }

    private static Cid BlobCid(string did, int i) => Cid.Compute(Cid.RawCodec, Encoding.UTF8.GetBytes($"blob/{did}/{i}"));
}
