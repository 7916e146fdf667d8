using System.Buffers.Binary;

namespace Jetstream.Grains.Connection;

/// <summary>A structured zstd dictionary, its id read from its own header, and where it came from (for /status).</summary>
public sealed record ZstdDictionaryBytes(uint Id, byte[] Bytes, string Source)
{
    private const uint Magic = 0xEC30A437;

    /// <summary>Reads the id from the dictionary's header; null when the bytes are not a structured zstd dictionary.</summary>
    public static ZstdDictionaryBytes? TryCreate(byte[] bytes, string source) =>
        bytes.Length >= 8 && BinaryPrimitives.ReadUInt32LittleEndian(bytes) == Magic
            ? new ZstdDictionaryBytes(BinaryPrimitives.ReadUInt32LittleEndian(bytes.AsSpan(4)), bytes, source)
            : null;
}
