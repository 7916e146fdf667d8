using System.Buffers.Binary;
using System.Security.Cryptography;

namespace Jetstream.Emulator;

/// <summary>
/// A structured zstd dictionary read from disk and checked: the magic number, the id in its header (which every frame
/// compressed with it carries) and, for the dictionaries PROTOCOL.md names, their sha256, so the emulator can only
/// ever compress with the real Jetstream dictionaries.
/// </summary>
internal sealed class ZstdDictionary
{
    private const uint Magic = 0xEC30A437;

    private ZstdDictionary(uint id, byte[] bytes)
    {
        Id = id;
        Bytes = bytes;
    }

    public uint Id { get; }

    public byte[] Bytes { get; }

    /// <summary>Reads and checks the file; returns null and the reason when it is not the dictionary expected.</summary>
    public static ZstdDictionary? TryLoad(string path, KnownZstdDictionary expected, out string? error)
    {
        byte[] bytes;
        try
        {
            bytes = File.ReadAllBytes(path);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            error = $"cannot read the zstd dictionary '{path}': {ex.Message}";
            return null;
        }

        if (bytes.Length < 8 || BinaryPrimitives.ReadUInt32LittleEndian(bytes) != Magic)
        {
            error = $"'{path}' is not a structured zstd dictionary (no magic 0x{Magic:X8})";
            return null;
        }

        var id = BinaryPrimitives.ReadUInt32LittleEndian(bytes.AsSpan(4));
        var sha256 = Convert.ToHexStringLower(SHA256.HashData(bytes));
        if (id != expected.Id || sha256 != expected.Sha256)
        {
            error = $"'{path}' is not the Jetstream dictionary {expected.Id} (sha256 {expected.Sha256}); it has id {id}, sha256 {sha256}";
            return null;
        }

        error = null;
        return new ZstdDictionary(id, bytes);
    }
}
