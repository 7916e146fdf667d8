using System.Buffers;
using System.Globalization;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;

namespace Jetstream.Emulator;

/// <summary>
/// Deterministic source of realistic Jetstream v1 events (PROTOCOL.md §2.5): commits (create/update/delete, records
/// with <c>$type</c> first and keys in Go's alphabetical order, TID rkeys and revs, CID strings, unicode text; deletes
/// without record or cid), identity events with and without a handle, and account events active or with a status.
/// The same seed and profile give the same events byte for byte. Not thread-safe.
/// </summary>
public sealed class EventGenerator : IEventSource
{
    private const int RecentPerCollection = 256;

    private static readonly JsonWriterOptions WriterOptions = new()
    {
        // Like Go's encoder: non-ASCII text stays raw UTF-8 rather than \u escapes.
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };

    private readonly Random _random;
    private readonly RandomValues _values;
    private readonly GeneratorProfile _profile;
    private readonly string[] _dids;
    private readonly string[] _collections;
    private readonly double[] _cumulativeWeights;
    private readonly Dictionary<string, List<(string Did, string Rkey)>> _recent = new(StringComparer.Ordinal);
    private readonly ArrayBufferWriter<byte> _buffer = new(4096);
    private readonly Utf8JsonWriter _writer;
    private long _clockUs;
    private long _relaySeq = 30_340_180_000;

    public EventGenerator(int seed, GeneratorProfile? profile = null)
    {
        _profile = profile ?? new GeneratorProfile();
        if (GeneratorProfile.Check(_profile.Collections, _profile.CollectionWeights) is { } problem)
        {
            throw new ArgumentException(problem, nameof(profile));
        }

        if (_profile.DidCount < 1)
        {
            throw new ArgumentException("DidCount must be at least 1.", nameof(profile));
        }

        _random = new Random(seed);
        _values = new RandomValues(_random);
        _writer = new Utf8JsonWriter(_buffer, WriterOptions);
        _clockUs = ToMicroseconds(_profile.StartTime);

        if (_profile.Collections.Length > 0)
        {
            _collections = _profile.Collections;
            var weights = _profile.CollectionWeights.Length > 0 ? _profile.CollectionWeights : _collections.Select(_ => 1d).ToArray();
            _cumulativeWeights = Cumulative(weights);
        }
        else
        {
            _collections = GeneratorProfile.NetworkMix.Select(m => m.Collection).ToArray();
            _cumulativeWeights = Cumulative(GeneratorProfile.NetworkMix.Select(m => m.Weight).ToArray());
        }

        _dids = Enumerable.Range(0, _profile.DidCount).Select(_ => _values.Did()).ToArray();
    }

    public string Next() => Encoding.UTF8.GetString(NextUtf8());

    public IEnumerable<string> Take(int count)
    {
        for (var i = 0; i < count; i++)
        {
            yield return Next();
        }
    }

    public byte[] NextUtf8()
    {
        _clockUs += 1 + _random.Next(2_000);
        _buffer.ResetWrittenCount();
        _writer.Reset(_buffer);

        var roll = _random.NextDouble();
        if (roll < _profile.CommitShare)
        {
            WriteCommit();
        }
        else if (_random.NextDouble() < _profile.IdentityShareOfRest)
        {
            WriteIdentity();
        }
        else
        {
            WriteAccount();
        }

        _writer.Flush();
        return _buffer.WrittenSpan.ToArray();
    }

    private void WriteCommit()
    {
        var collection = PickCollection();
        var recent = _recent.TryGetValue(collection, out var list) ? list : _recent[collection] = [];
        var isProfile = collection == "app.bsky.actor.profile";
        var roll = _random.NextDouble();
        var operation = roll < _profile.DeleteShare ? "delete" : roll < _profile.DeleteShare + _profile.UpdateShare ? "update" : "create";

        string did;
        string rkey;
        if (operation != "create" && recent.Count > 0)
        {
            var index = _random.Next(recent.Count);
            (did, rkey) = recent[index];
            if (operation == "delete")
            {
                recent.RemoveAt(index);
            }
        }
        else
        {
            did = PickDid();
            rkey = isProfile ? "self" : _values.Tid(_clockUs - _random.Next(5_000_000));
            if (operation == "create")
            {
                if (recent.Count == RecentPerCollection)
                {
                    recent.RemoveAt(_random.Next(recent.Count));
                }

                recent.Add((did, rkey));
            }
        }

        WriteEnvelopeStart(did, "commit");
        _writer.WriteStartObject("commit");
        _writer.WriteString("rev", _values.Tid(_clockUs));
        _writer.WriteString("operation", operation);
        _writer.WriteString("collection", collection);
        _writer.WriteString("rkey", rkey);
        if (operation != "delete")
        {
            _writer.WritePropertyName("record");
            WriteRecord(collection);
            _writer.WriteString("cid", _values.Cid("bafyrei"));
        }

        _writer.WriteEndObject();
        _writer.WriteEndObject();
    }

    private void WriteRecord(string collection)
    {
        _writer.WriteStartObject();
        _writer.WriteString("$type", collection);
        switch (collection)
        {
            case "app.bsky.feed.like" or "app.bsky.feed.repost":
                _writer.WriteString("createdAt", CreatedAt());
                _writer.WriteStartObject("subject");
                WriteStrongRef();
                _writer.WriteEndObject();
                break;
            case "app.bsky.feed.post":
                _writer.WriteString("createdAt", CreatedAt());
                _writer.WriteStartArray("langs");
                _writer.WriteStringValue(_values.Lang());
                _writer.WriteEndArray();
                if (_random.NextDouble() < 0.3)
                {
                    _writer.WriteStartObject("reply");
                    _writer.WriteStartObject("parent");
                    WriteStrongRef();
                    _writer.WriteEndObject();
                    _writer.WriteStartObject("root");
                    WriteStrongRef();
                    _writer.WriteEndObject();
                    _writer.WriteEndObject();
                }

                _writer.WriteString("text", _values.Text(_profile.NonAsciiTextOnly));
                break;
            case "app.bsky.graph.follow" or "app.bsky.graph.block":
                _writer.WriteString("createdAt", CreatedAt());
                _writer.WriteString("subject", PickDid());
                break;
            case "app.bsky.graph.listitem":
                _writer.WriteString("createdAt", CreatedAt());
                _writer.WriteString("list", $"at://{PickDid()}/app.bsky.graph.list/{_values.Tid(_clockUs - 86_400_000_000L)}");
                _writer.WriteString("subject", PickDid());
                break;
            case "app.bsky.actor.profile":
                _writer.WriteString("createdAt", CreatedAt());
                _writer.WriteString("description", _values.Text(_profile.NonAsciiTextOnly));
                _writer.WriteString("displayName", $"User {_random.Next(10_000)} ✨");
                break;
            default:
                _writer.WriteString("createdAt", CreatedAt());
                _writer.WriteString("text", _values.Text(_profile.NonAsciiTextOnly));
                break;
        }

        _writer.WriteEndObject();
    }

    private void WriteIdentity()
    {
        var did = PickDid();
        WriteEnvelopeStart(did, "identity");
        _writer.WriteStartObject("identity");
        _writer.WriteString("did", did);
        if (_random.NextDouble() < 0.6)
        {
            _writer.WriteString("handle", $"user{_random.Next(1_000_000)}.bsky.social");
        }

        _writer.WriteNumber("seq", ++_relaySeq);
        _writer.WriteString("time", CreatedAt());
        _writer.WriteEndObject();
        _writer.WriteEndObject();
    }

    private void WriteAccount()
    {
        var did = PickDid();
        var active = _random.NextDouble() < 0.7;
        WriteEnvelopeStart(did, "account");
        _writer.WriteStartObject("account");
        _writer.WriteBoolean("active", active);
        _writer.WriteString("did", did);
        _writer.WriteNumber("seq", ++_relaySeq);
        if (!active)
        {
            _writer.WriteString("status", _values.Status());
        }

        _writer.WriteString("time", CreatedAt());
        _writer.WriteEndObject();
        _writer.WriteEndObject();
    }

    private void WriteEnvelopeStart(string did, string kind)
    {
        _writer.WriteStartObject();
        _writer.WriteString("did", did);
        _writer.WriteNumber("time_us", _clockUs);
        _writer.WriteString("kind", kind);
    }

    private void WriteStrongRef()
    {
        _writer.WriteString("cid", _values.Cid("bafyrei"));
        _writer.WriteString("uri", $"at://{PickDid()}/app.bsky.feed.post/{_values.Tid(_clockUs - _random.Next(1, int.MaxValue))}");
    }

    private string PickCollection()
    {
        var roll = _random.NextDouble() * _cumulativeWeights[^1];
        var index = Array.FindIndex(_cumulativeWeights, w => roll < w);
        return _collections[index < 0 ? _collections.Length - 1 : index];
    }

    private string PickDid() => _dids[_random.Next(_dids.Length)];

    private string CreatedAt() =>
        DateTimeOffset.UnixEpoch.AddTicks(_clockUs * 10).ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture);

    private static double[] Cumulative(double[] weights)
    {
        var cumulative = new double[weights.Length];
        var sum = 0d;
        for (var i = 0; i < weights.Length; i++)
        {
            sum += weights[i];
            cumulative[i] = sum;
        }

        return cumulative;
    }

    private static long ToMicroseconds(DateTimeOffset time) => (time.UtcTicks - DateTimeOffset.UnixEpoch.UtcTicks) / 10;
}
