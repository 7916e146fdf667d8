using System.Collections.Concurrent;
using ZstdSharp;
using ZstdSharp.Unsafe;

namespace Jetstream.Emulator;

/// <summary>
/// Compresses one message into one complete zstd frame with a dictionary, the way the Go servers do (EncodeAll with
/// a 128 KiB window, content size, dictionary id and checksum in the frame; PROTOCOL.md §2.7, [V2] compress.go).
/// A compressor is not thread-safe and loading a dictionary is not free, so they are pooled and reused.
/// </summary>
internal sealed class ZstdFrameCompressor(ZstdDictionary dictionary, int level)
{
    private const int WindowLog = 17;
    private readonly ConcurrentBag<Compressor> _pool = [];

    public ZstdDictionary Dictionary { get; } = dictionary;

    public byte[] Compress(ReadOnlySpan<byte> plain)
    {
        if (!_pool.TryTake(out var compressor))
        {
            compressor = new Compressor(level);
            compressor.SetParameter(ZSTD_cParameter.ZSTD_c_windowLog, WindowLog);
            // klauspost/compress writes a checksum by default; so do the real servers' frames.
            compressor.SetParameter(ZSTD_cParameter.ZSTD_c_checksumFlag, 1);
            compressor.LoadDictionary(Dictionary.Bytes);
        }

        try
        {
            return compressor.Wrap(plain).ToArray();
        }
        finally
        {
            _pool.Add(compressor);
        }
    }
}
