using System.Net;
using System.Net.Sockets;

namespace Jetstream.EventQueue.Subscriptions;

/// <summary>
/// Addresses a webhook URL a user supplies must not reach unless <c>Webhook:AllowPrivateNetworks</c> is set: loopback,
/// private (RFC 1918, RFC 4193), link-local (which includes the cloud metadata address 169.254.169.254), carrier-grade
/// NAT, unspecified, multicast and reserved ranges. Checked when a URL is saved and again on every connection, since a
/// name can resolve elsewhere later (DNS rebinding).
/// </summary>
public static class PrivateNetworks
{
    public static bool IsPrivate(IPAddress address)
    {
        if (address.IsIPv4MappedToIPv6)
        {
            address = address.MapToIPv4();
        }

        if (IPAddress.IsLoopback(address) || address.Equals(IPAddress.Any) || address.Equals(IPAddress.IPv6Any) || address.Equals(IPAddress.Broadcast))
        {
            return true;
        }

        if (address.AddressFamily == AddressFamily.InterNetwork)
        {
            Span<byte> b = stackalloc byte[4];
            address.TryWriteBytes(b, out _);
            return b[0] == 0 || b[0] == 10 || b[0] == 127
                || (b[0] == 100 && (b[1] & 0xC0) == 64)
                || (b[0] == 169 && b[1] == 254)
                || (b[0] == 172 && (b[1] & 0xF0) == 16)
                || (b[0] == 192 && b[1] == 168)
                || (b[0] == 192 && b[1] == 0 && b[2] == 0)
                || (b[0] == 198 && (b[1] & 0xFE) == 18)
                || b[0] >= 224;
        }

        return address.IsIPv6LinkLocal || address.IsIPv6SiteLocal || address.IsIPv6UniqueLocal || address.IsIPv6Multicast;
    }

    /// <summary>Why <paramref name="url"/> may not be used (its host resolves to a private address), or null when it may.</summary>
    public static async Task<string?> CheckAsync(Uri url, CancellationToken cancellationToken = default)
    {
        IPAddress[] addresses;
        if (IPAddress.TryParse(url.IdnHost.Trim('[', ']'), out var literal))
        {
            addresses = [literal];
        }
        else
        {
            try
            {
                addresses = await Dns.GetHostAddressesAsync(url.IdnHost, cancellationToken);
            }
            catch (SocketException ex)
            {
                return $"the host '{url.Host}' does not resolve ({ex.SocketErrorCode})";
            }
        }

        var blocked = addresses.FirstOrDefault(IsPrivate);
        return blocked is null
            ? null
            : $"the host '{url.Host}' resolves to {blocked}, a loopback, private, link-local or reserved address; set Webhook:AllowPrivateNetworks=true to allow it";
    }
}
