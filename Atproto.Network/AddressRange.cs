namespace Jetstream.Atproto.Network;

/// <summary>What an IP address is, for deciding whether a URL that came from outside may reach it.</summary>
public enum AddressRange
{
    /// <summary>A public unicast address: the only kind reached when private networks are not allowed.</summary>
    Public,

    /// <summary>127.0.0.0/8, ::1.</summary>
    Loopback,

    /// <summary>RFC 1918 (10/8, 172.16/12, 192.168/16), the deprecated IPv6 site-local fec0::/10 and NAT64 local-use 64:ff9b:1::/48.</summary>
    Private,

    /// <summary>169.254/16 (which holds the cloud metadata address 169.254.169.254), fe80::/10.</summary>
    LinkLocal,

    /// <summary>fc00::/7 (RFC 4193), IPv6's private range.</summary>
    UniqueLocal,

    /// <summary>100.64/10 (RFC 6598), carrier-grade NAT: inside a provider's network.</summary>
    CarrierGradeNat,

    /// <summary>224/4, ff00::/8.</summary>
    Multicast,

    /// <summary>0.0.0.0/8, ::: "this host", which connects to the local machine.</summary>
    Unspecified,

    /// <summary>Ranges never routed on the internet: 192.0.0/24, documentation, benchmarking 198.18/15, 240/4, broadcast, 2001:db8::/32, 100::/64, ::/96.</summary>
    Reserved,
}
