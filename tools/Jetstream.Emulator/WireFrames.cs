namespace Jetstream.Emulator;

/// <summary>
/// One event's bytes on each wire, made on first use and kept, so that compression (and the v2 conversion) costs once
/// per event rather than once per subscriber, as on the real servers. Two threads may race to fill a slot; both make
/// the same bytes, so the loser's copy is simply dropped.
/// </summary>
internal sealed class WireFrames(LoggedEvent owner)
{
    private static readonly byte[] NoFrame = [];

    private byte[]? _v1WithCursor;
    private byte[]? _v1Zstd;
    private byte[]? _v1WithCursorZstd;
    private byte[]? _v2;
    private CompressedFrame? _v2Zstd;

    /// <summary>The <c>/subscribe</c> JSON; a v2-style server adds <c>"cursor":seq</c> after <c>time_us</c> (PROTOCOL.md §3.2).</summary>
    public byte[] V1(bool cursorField) =>
        !cursorField ? owner.Utf8 : _v1WithCursor ??= V1CursorField.Insert(owner.Utf8, owner.TimeUsEnd, owner.Seq);

    public byte[] V1Zstd(bool cursorField, ZstdFrameCompressor compressor) =>
        cursorField
            ? _v1WithCursorZstd ??= compressor.Compress(V1(cursorField: true))
            : _v1Zstd ??= compressor.Compress(owner.Utf8);

    /// <summary>The xrpc.v1.json message frame, or null for a kind the v2 wire has no message for.</summary>
    public byte[]? V2()
    {
        var frame = _v2 ??= V2FrameEncoder.Message(owner) ?? NoFrame;
        return frame.Length == 0 ? null : frame;
    }

    /// <summary>Compressed with the dictionary of <paramref name="compressor"/>; recomputed if the current dictionary changed.</summary>
    public byte[]? V2Zstd(ZstdFrameCompressor compressor)
    {
        var cached = _v2Zstd;
        if (cached is not null && cached.DictionaryId == compressor.Dictionary.Id)
        {
            return cached.Bytes;
        }

        if (V2() is not { } plain)
        {
            return null;
        }

        var compressed = compressor.Compress(plain);
        _v2Zstd = new CompressedFrame(compressor.Dictionary.Id, compressed);
        return compressed;
    }

    private sealed record CompressedFrame(uint DictionaryId, byte[] Bytes);
}
