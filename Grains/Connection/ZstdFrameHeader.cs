using System.Buffers.Binary;

namespace Jetstream.Grains.Connection;

/// <summary>
/// The header of one zstd frame (RFC 8878 §3.1.1): the dictionary id and, when the encoder wrote it, the decoded size.
/// Read before decoding so a frame for another dictionary, or one that would decode past the limit, is refused
/// without spending the work (or the memory) of decoding it.
/// </summary>
public readonly record struct ZstdFrameHeader(uint DictionaryId, ulong? ContentSize)
{
    private const uint FrameMagic = 0xFD2FB528;

    public static bool TryRead(ReadOnlySpan<byte> frame, out ZstdFrameHeader header)
    {
        header = default;
        if (frame.Length < 5 || BinaryPrimitives.ReadUInt32LittleEndian(frame) != FrameMagic)
        {
            return false;
        }

        var descriptor = frame[4];
        var dictionaryIdBytes = (descriptor & 0b11) switch { 0 => 0, 1 => 1, 2 => 2, _ => 4 };
        var singleSegment = (descriptor & 0b0010_0000) != 0;
        var sizeFlag = descriptor >> 6;
        var sizeBytes = sizeFlag switch { 0 => singleSegment ? 1 : 0, 1 => 2, 2 => 4, _ => 8 };
        var position = 5 + (singleSegment ? 0 : 1);
        if (frame.Length < position + dictionaryIdBytes + sizeBytes)
        {
            return false;
        }

        var id = dictionaryIdBytes switch
        {
            0 => 0u,
            1 => frame[position],
            2 => BinaryPrimitives.ReadUInt16LittleEndian(frame[position..]),
            _ => BinaryPrimitives.ReadUInt32LittleEndian(frame[position..]),
        };
        position += dictionaryIdBytes;
        ulong? size = sizeBytes switch
        {
            0 => null,
            1 => frame[position],
            2 => BinaryPrimitives.ReadUInt16LittleEndian(frame[position..]) + 256u,
            4 => BinaryPrimitives.ReadUInt32LittleEndian(frame[position..]),
            _ => BinaryPrimitives.ReadUInt64LittleEndian(frame[position..]),
        };
        header = new ZstdFrameHeader(id, size);
        return true;
    }
}
