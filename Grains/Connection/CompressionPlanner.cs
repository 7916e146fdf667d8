namespace Jetstream.Grains.Connection;

/// <summary>
/// Chooses each connection's compression (<c>Jetstream:Compress</c>): v1 the legacy dictionary, v2 the endpoint's
/// dictionary from <see cref="IZstdDictionarySource"/>. After an <c>UnknownZstdDictionary</c> it refetches once; if
/// the server refuses that one too, the endpoint is read uncompressed and <see cref="Describe"/> says so. One decoder per
/// dictionary for the connection's life, so a dictionary is loaded once.
/// </summary>
public sealed class CompressionPlanner(bool compress, IZstdDictionarySource? v2Dictionaries, int maxFrameBytes) : IDisposable
{
    private readonly Dictionary<uint, ZstdFrameDecoder> _decoders = [];
    private readonly Dictionary<string, ZstdDictionaryBytes> _refetched = new(StringComparer.Ordinal);
    private readonly Dictionary<string, string> _uncompressedBecause = new(StringComparer.Ordinal);

    /// <summary>The compression to ask for, and the decoder for its frames (null: uncompressed).</summary>
    public async ValueTask<(WireCompression Compression, ZstdFrameDecoder? Decoder)> ForAsync(string endpoint, IJetstreamWire wire, CancellationToken cancellationToken)
    {
        if (!compress || _uncompressedBecause.ContainsKey(endpoint))
        {
            return (WireCompression.None, null);
        }

        var dictionary = wire.SequenceCursor
            ? _refetched.GetValueOrDefault(endpoint) ?? (v2Dictionaries is null ? null : await v2Dictionaries.GetAsync(endpoint, cancellationToken))
            : BuiltInDictionaries.Legacy;
        if (dictionary is null)
        {
            _uncompressedBecause[endpoint] = wire.SequenceCursor ? "no zstd dictionary could be stored, fetched or found built in" : "this build has no legacy zstd dictionary";
            return (WireCompression.None, null);
        }

        if (!_decoders.TryGetValue(dictionary.Id, out var decoder))
        {
            decoder = new ZstdFrameDecoder(dictionary, maxFrameBytes);
            _decoders[dictionary.Id] = decoder;
        }

        return (new WireCompression(dictionary.Id), decoder);
    }

    /// <summary>The server refused the dictionary: true when a refetched one is worth a try, false when we go uncompressed.</summary>
    public async ValueTask<bool> OnUnknownDictionaryAsync(string endpoint, CancellationToken cancellationToken)
    {
        if (_refetched.ContainsKey(endpoint) || v2Dictionaries is null)
        {
            _uncompressedBecause[endpoint] = "the server refused the refetched zstd dictionary (UnknownZstdDictionary twice)";
            return false;
        }

        if (await v2Dictionaries.RefetchAsync(endpoint, cancellationToken) is { } fresh)
        {
            _refetched[endpoint] = fresh;
            return true;
        }

        _uncompressedBecause[endpoint] = "UnknownZstdDictionary, and getZstdDictionary gave no dictionary";
        return false;
    }

    public string Describe(string endpoint, WireCompression compression) =>
        compression.IsZstd ? compression.ToString()
        : _uncompressedBecause.TryGetValue(endpoint, out var why) ? $"none: {why}"
        : compress ? "none" : "none (Jetstream:Compress is false)";

    public void Dispose()
    {
        foreach (var decoder in _decoders.Values)
        {
            decoder.Dispose();
        }
    }
}
