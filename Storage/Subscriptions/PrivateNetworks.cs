using System.Net.Sockets;
using Jetstream.Atproto.Network;

namespace Jetstream.Storage.Subscriptions;

/// <summary>
/// The subscription webhooks' use of the AT Protocol library's <see cref="PrivateNetworkGuard"/>: one classification of
/// addresses (v4-mapped, NAT64 and 6to4 judged by the IPv4 address they reach) and one connect step for the Api, which
/// checks a URL when it is saved, and the consumer, which checks again on every connection, since a name can resolve
/// elsewhere later (DNS rebinding). Both are turned off by <see cref="Setting"/>.
/// </summary>
public static class PrivateNetworks
{
    public const string Setting = "Webhook:AllowPrivateNetworks";

    /// <summary>The consumer's guard: installed on the webhook client's handler unless <see cref="Setting"/> is true.</summary>
    public static PrivateNetworkGuard Guard(bool allowPrivateNetworks) => new(allowPrivateNetworks, Setting);

    /// <summary>
    /// Why <paramref name="url"/> may not be saved (its host does not resolve, or resolves to a non-public address), or
    /// null when it may. Unlike the library's <see cref="PrivateNetworkGuard.CheckAsync"/>, a name that does not resolve
    /// is refused: a webhook saved so would fail every delivery.
    /// </summary>
    public static async Task<string?> CheckAsync(Uri url, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(url);
        try
        {
            var addresses = await PrivateNetworkGuard.ResolveAsync(url.IdnHost, cancellationToken);
            Guard(allowPrivateNetworks: false).ThrowIfRefused(url.Host, addresses);
            return null;
        }
        catch (SocketException ex)
        {
            return $"the host '{url.Host}' does not resolve ({ex.SocketErrorCode})";
        }
        catch (PrivateNetworkRefusedException ex)
        {
            return $"the host '{ex.Host}' resolves to {ex.Address}, a {PrivateNetworkGuard.Describe(ex.Range)} address; set {Setting}=true to allow it";
        }
    }
}
