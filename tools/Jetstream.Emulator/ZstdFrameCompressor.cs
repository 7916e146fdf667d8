using System.Buffers;
using System.Collections.Concurrent;
using System.Runtime.InteropServices;
using ZstdSharp.Unsafe;

namespace Jetstream.Emulator;

/// <summary>
/// Compresses one message into one complete zstd frame with a dictionary, the way the Go servers do (EncodeAll with
/// a 128 KiB window, content size, dictionary id and checksum in the frame; PROTOCOL.md §2.7, [V2] compress.go).
/// The dictionary is digested once into a CDict that every pooled context references: ZstdSharp's
/// <c>Compressor.LoadDictionary</c> gives the same bytes but was measured 1.6 times slower per event here, and the
/// emulator must not be what limits a benchmark's ingest rate. The CDict sits in a <see cref="SafeHandle"/>, whose
/// reference count keeps it alive while a sender is still compressing when the emulator is disposed.
/// </summary>
internal sealed unsafe class ZstdFrameCompressor : IDisposable
{
    private const int WindowLog = 17;
    private readonly ConcurrentBag<IntPtr> _contexts = [];
    private readonly DictionaryHandle _dictionary;
    private readonly int _level;

    public ZstdFrameCompressor(ZstdDictionary dictionary, int level)
    {
        Dictionary = dictionary;
        _level = level;
        fixed (byte* bytes = dictionary.Bytes)
        {
            _dictionary = new DictionaryHandle(Methods.ZSTD_createCDict(bytes, (nuint)dictionary.Bytes.Length, level));
        }

        if (_dictionary.IsInvalid)
        {
            throw new InvalidOperationException($"zstd could not load dictionary {dictionary.Id} at level {level}.");
        }
    }

    public ZstdDictionary Dictionary { get; }

    public byte[] Compress(ReadOnlySpan<byte> plain)
    {
        var referenced = false;
        // Throws ObjectDisposedException once disposed; until released, the CDict cannot be freed.
        _dictionary.DangerousAddRef(ref referenced);
        var context = _contexts.TryTake(out var pooled) ? (ZSTD_CCtx_s*)pooled : NewContext();
        var buffer = ArrayPool<byte>.Shared.Rent((int)Methods.ZSTD_compressBound((nuint)plain.Length));
        try
        {
            nuint written;
            fixed (byte* source = plain)
            fixed (byte* target = buffer)
            {
                written = Methods.ZSTD_compress2(context, target, (nuint)buffer.Length, source, (nuint)plain.Length);
            }

            if (Methods.ZSTD_isError(written))
            {
                throw new InvalidOperationException($"zstd compression failed: {new string(Methods.ZSTD_getErrorName(written))}");
            }

            return buffer.AsSpan(0, (int)written).ToArray();
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
            if (_dictionary.IsClosed)
            {
                Methods.ZSTD_freeCCtx(context);
            }
            else
            {
                _contexts.Add((IntPtr)context);
            }

            _dictionary.DangerousRelease();
        }
    }

    public void Dispose()
    {
        _dictionary.Dispose();
        while (_contexts.TryTake(out var context))
        {
            Methods.ZSTD_freeCCtx((ZSTD_CCtx_s*)context);
        }
    }

    private ZSTD_CCtx_s* NewContext()
    {
        var context = Methods.ZSTD_createCCtx();
        Methods.ZSTD_CCtx_setParameter(context, ZSTD_cParameter.ZSTD_c_compressionLevel, _level);
        Methods.ZSTD_CCtx_setParameter(context, ZSTD_cParameter.ZSTD_c_windowLog, WindowLog);
        // klauspost/compress writes a checksum by default; so do the real servers' frames.
        Methods.ZSTD_CCtx_setParameter(context, ZSTD_cParameter.ZSTD_c_checksumFlag, 1);
        Methods.ZSTD_CCtx_refCDict(context, (ZSTD_CDict_s*)_dictionary.DangerousGetHandle());
        return context;
    }

    private sealed class DictionaryHandle(ZSTD_CDict_s* dictionary) : SafeHandle((IntPtr)dictionary, ownsHandle: true)
    {
        public override bool IsInvalid => handle == IntPtr.Zero;

        protected override bool ReleaseHandle()
        {
            Methods.ZSTD_freeCDict((ZSTD_CDict_s*)handle);
            return true;
        }
    }
}
