using ZstdSharp;

namespace Jetstream.Grains.Connection;

/// <summary>
/// Decodes the one-zstd-frame-per-message binary frames of both wires (PROTOCOL.md §2.7, §3.3). One per connection:
/// the dictionary is loaded once and the output buffer is reused (it grows to the largest frame seen, never past
/// <c>maxFrameBytes</c>). A frame whose header announces more than the limit — a decompression bomb — is refused
/// before any of it is decoded; one without a size is decoded into at most the limit and refused if it does not fit.
/// </summary>
public sealed class ZstdFrameDecoder : IDisposable
{
    private readonly Decompressor _decompressor = new();
    private readonly int _maxFrameBytes;
    private byte[] _output = new byte[64 * 1024];

    public ZstdFrameDecoder(ZstdDictionaryBytes dictionary, int maxFrameBytes)
    {
        Dictionary = dictionary;
        _maxFrameBytes = maxFrameBytes;
        _decompressor.LoadDictionary(dictionary.Bytes);
    }

    public ZstdDictionaryBytes Dictionary { get; }

    /// <summary>Decodes <paramref name="frame"/>; the result stays valid until the next call.</summary>
    public ZstdDecodeResult Decode(ReadOnlySpan<byte> frame, out ReadOnlyMemory<byte> decoded)
    {
        decoded = default;
        if (!ZstdFrameHeader.TryRead(frame, out var header))
        {
            return ZstdDecodeResult.NotZstd;
        }

        if (header.DictionaryId != Dictionary.Id)
        {
            return ZstdDecodeResult.OtherDictionary;
        }

        if (header.ContentSize > (ulong)_maxFrameBytes)
        {
            return ZstdDecodeResult.TooLarge;
        }

        var wanted = header.ContentSize is { } size ? (int)size : _maxFrameBytes;
        if (_output.Length < wanted)
        {
            _output = new byte[Math.Min(_maxFrameBytes, Math.Max(wanted, _output.Length * 2))];
        }

        try
        {
            if (!_decompressor.TryUnwrap(frame, _output.AsSpan(0, Math.Min(_output.Length, _maxFrameBytes)), out var written))
            {
                return header.ContentSize is null ? ZstdDecodeResult.TooLarge : ZstdDecodeResult.Corrupt;
            }

            decoded = _output.AsMemory(0, written);
            return ZstdDecodeResult.Ok;
        }
        catch (ZstdException)
        {
            return ZstdDecodeResult.Corrupt;
        }
    }

    public void Dispose() => _decompressor.Dispose();
}
