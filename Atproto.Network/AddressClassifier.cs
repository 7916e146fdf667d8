using System.Net;
using System.Net.Sockets;

namespace Jetstream.Atproto.Network;

/// <summary>
/// Sorts an address into its <see cref="AddressRange"/>. IPv6 forms that carry an IPv4 address (v4-mapped
/// ::ffff:a.b.c.d, NAT64 64:ff9b::/96, 6to4 2002::/16) are judged by the IPv4 address they reach, so a private IPv4
/// address cannot be smuggled in through them.
/// </summary>
public static class AddressClassifier
{
    public static AddressRange Classify(IPAddress address)
    {
        ArgumentNullException.ThrowIfNull(address);
        if (address.IsIPv4MappedToIPv6)
        {
            address = address.MapToIPv4();
        }

        Span<byte> b = stackalloc byte[16];
        address.TryWriteBytes(b, out var length);
        return address.AddressFamily == AddressFamily.InterNetwork && length == 4
            ? ClassifyV4(b[..4])
            : ClassifyV6(b);
    }

    public static bool IsPublic(IPAddress address) => Classify(address) == AddressRange.Public;

    private static AddressRange ClassifyV4(ReadOnlySpan<byte> b) => b switch
    {
        [0, ..] => AddressRange.Unspecified,
        [127, ..] => AddressRange.Loopback,
        [10, ..] or [172, >= 16 and <= 31, ..] or [192, 168, ..] => AddressRange.Private,
        [169, 254, ..] => AddressRange.LinkLocal,
        [100, >= 64 and <= 127, ..] => AddressRange.CarrierGradeNat,
        [>= 224 and <= 239, ..] => AddressRange.Multicast,
        [>= 240, ..] => AddressRange.Reserved,
        [192, 0, 0 or 2, _] or [198, 18 or 19, ..] or [198, 51, 100, _] or [203, 0, 113, _] => AddressRange.Reserved,
        _ => AddressRange.Public,
    };

    private static AddressRange ClassifyV6(ReadOnlySpan<byte> b)
    {
        if (b[..15].IndexOfAnyExcept((byte)0) < 0)
        {
            return b[15] switch
            {
                0 => AddressRange.Unspecified,
                1 => AddressRange.Loopback,
                _ => AddressRange.Reserved,
            };
        }

        return b switch
        {
            // ::/96, the deprecated IPv4-compatible form.
            [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, ..] => AddressRange.Reserved,
            [0x00, 0x64, 0xff, 0x9b, 0, 0, 0, 0, 0, 0, 0, 0, ..] => ClassifyV4(b[12..]),
            [0x00, 0x64, 0xff, 0x9b, 0x00, 0x01, ..] => AddressRange.Private,
            [0x20, 0x02, ..] => ClassifyV4(b[2..6]),
            [0x20, 0x01, 0x0d, 0xb8, ..] or [0x01, 0x00, 0, 0, 0, 0, 0, 0, ..] => AddressRange.Reserved,
            [0xff, ..] => AddressRange.Multicast,
            [0xfe, >= 0x80 and <= 0xbf, ..] => AddressRange.LinkLocal,
            [0xfe, >= 0xc0, ..] => AddressRange.Private,
            [0xfc or 0xfd, ..] => AddressRange.UniqueLocal,
            _ => AddressRange.Public,
        };
    }
}
