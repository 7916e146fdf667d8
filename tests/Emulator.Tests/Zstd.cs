using System.Buffers.Binary;
using Jetstream.TestSupport;
using ZstdSharp;

namespace Jetstream.Emulator.Tests;

/// <summary>
/// The test's own reading of zstd frames: the dictionaries straight from the shared folder (not through the
/// emulator), ZstdSharp to decode, and the frame header read by hand (RFC 8878 §3.1.1.1) to see the dictionary id.
/// </summary>
public static class Zstd
{
    public const uint LegacyId = 1612007021;
    public const uint V2Id = 20260811;

    public static byte[] LegacyDictionary { get; } = File.ReadAllBytes(Path.Combine(RepoPaths.Shared, "jetstream", "zstd_dictionary"));

    public static byte[] V2Dictionary { get; } = File.ReadAllBytes(Path.Combine(RepoPaths.Shared, "jetstream", "zstd_dictionary_v2_subscribeEvents_20260811"));

    public static byte[] Decode(byte[] frame, byte[] dictionary)
    {
        using var decompressor = new Decompressor();
        decompressor.LoadDictionary(dictionary);
        return decompressor.Unwrap(frame).ToArray();
    }

    public static byte[] DecodeWithoutDictionary(byte[] frame)
    {
        using var decompressor = new Decompressor();
        return decompressor.Unwrap(frame).ToArray();
    }

    /// <summary>Dictionary id, checksum flag and declared content size from one frame's header.</summary>
    public static (uint DictionaryId, bool Checksum, ulong DeclaredSize) Header(byte[] frame)
    {
        Assert.Equal(0xFD2FB528u, BinaryPrimitives.ReadUInt32LittleEndian(frame));
        var descriptor = frame[4];
        var singleSegment = (descriptor & 0x20) != 0;
        var at = 5 + (singleSegment ? 0 : 1);
        var dictionaryId = (descriptor & 3) switch
        {
            0 => 0u,
            1 => frame[at],
            2 => BinaryPrimitives.ReadUInt16LittleEndian(frame.AsSpan(at)),
            _ => BinaryPrimitives.ReadUInt32LittleEndian(frame.AsSpan(at)),
        };
        return (dictionaryId, (descriptor & 4) != 0, Decompressor.GetDecompressedSize(frame));
    }
}
