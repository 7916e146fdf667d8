using System.Net;
using System.Net.Sockets;

namespace Jetstream.Atproto.Network;

/// <summary>
/// Keeps URLs that come from outside (PDS endpoints in DID documents, did:web hosts, relay URLs, webhook URLs) from
/// reaching loopback, private, link-local, unique-local, carrier-grade NAT, multicast, unspecified or reserved
/// addresses. It checks in <see cref="SocketsHttpHandler.ConnectCallback"/>, after DNS resolution, and connects to the
/// very addresses it checked: a check when a URL is saved alone would let a name resolve elsewhere later (DNS
/// rebinding), and a check of the URL's host string alone misses names that resolve to private addresses.
/// </summary>
/// <param name="allowPrivateNetworks">True turns the guard off (tests, a private deployment).</param>
/// <param name="settingName">The setting that turns it off, named in every refusal (e.g. <c>Atproto:AllowPrivateNetworks</c>).</param>
public sealed class PrivateNetworkGuard(bool allowPrivateNetworks, string settingName)
{
    public bool AllowPrivateNetworks { get; } = allowPrivateNetworks;

    /// <summary>Installs the guard's connect step on <paramref name="handler"/> (nothing when private networks are allowed).</summary>
    public SocketsHttpHandler Apply(SocketsHttpHandler handler)
    {
        ArgumentNullException.ThrowIfNull(handler);
        if (!AllowPrivateNetworks)
        {
            handler.ConnectCallback = ConnectAsync;
        }

        return handler;
    }

    /// <summary>A <see cref="SocketsHttpHandler.ConnectCallback"/>: resolves, refuses a non-public address, connects.</summary>
    public async ValueTask<Stream> ConnectAsync(SocketsHttpConnectionContext context, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(context);
        var host = context.DnsEndPoint.Host;
        var addresses = await ResolveAsync(host, cancellationToken);
        ThrowIfRefused(host, addresses);

        var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        try
        {
            await socket.ConnectAsync(addresses, context.DnsEndPoint.Port, cancellationToken);
            return new NetworkStream(socket, ownsSocket: true);
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Checks <paramref name="url"/>'s host now (e.g. when a URL is saved, to answer 400 at once): throws
    /// <see cref="PrivateNetworkRefusedException"/> if it resolves to a non-public address. A name that does not
    /// resolve passes; connecting to it will fail on its own.
    /// </summary>
    public async Task CheckAsync(Uri url, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(url);
        if (AllowPrivateNetworks)
        {
            return;
        }

        IPAddress[] addresses;
        try
        {
            addresses = await ResolveAsync(url.IdnHost, cancellationToken);
        }
        catch (SocketException)
        {
            return;
        }

        ThrowIfRefused(url.Host, addresses);
    }

    /// <summary>Throws the refusal for the first non-public address among <paramref name="addresses"/>, if any.</summary>
    public void ThrowIfRefused(string host, IReadOnlyList<IPAddress> addresses)
    {
        ArgumentNullException.ThrowIfNull(addresses);
        if (AllowPrivateNetworks)
        {
            return;
        }

        // One private address among several refuses the host: which one a connection would pick is not ours to choose.
        foreach (var address in addresses)
        {
            var range = AddressClassifier.Classify(address);
            if (range != AddressRange.Public)
            {
                throw new PrivateNetworkRefusedException(host, address, range,
                    $"refused to connect to '{host}': it resolves to {address}, a {Describe(range)} address; " +
                    $"set {settingName}=true to allow private networks");
            }
        }
    }

    /// <summary>The addresses <paramref name="host"/> stands for: itself when it is an IP literal, else DNS's answer (a <see cref="SocketException"/> when it does not resolve).</summary>
    public static async Task<IPAddress[]> ResolveAsync(string host, CancellationToken cancellationToken) =>
        IPAddress.TryParse(host.Trim('[', ']'), out var literal)
            ? [literal]
            : await Dns.GetHostAddressesAsync(host, cancellationToken);

    /// <summary>The range in words, for a refusal's message ("a {Describe(range)} address").</summary>
    public static string Describe(AddressRange range) => range switch
    {
        AddressRange.Loopback => "loopback",
        AddressRange.Private => "private (RFC 1918 / site-local)",
        AddressRange.LinkLocal => "link-local",
        AddressRange.UniqueLocal => "unique-local (RFC 4193)",
        AddressRange.CarrierGradeNat => "carrier-grade NAT (RFC 6598)",
        AddressRange.Multicast => "multicast",
        AddressRange.Unspecified => "unspecified",
        _ => "reserved",
    };
}
