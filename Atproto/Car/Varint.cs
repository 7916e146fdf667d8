namespace Jetstream.Atproto.Car;

/// <summary>Unsigned LEB128, the length prefix of a CAR's header and sections.</summary>
internal static class Varint
{
    public static int Write(Span<byte> destination, ulong value)
    {
        var i = 0;
        while (value >= 0x80)
        {
            destination[i++] = (byte)(value | 0x80);
            value >>= 7;
        }
        destination[i++] = (byte)value;
        return i;
    }
}
