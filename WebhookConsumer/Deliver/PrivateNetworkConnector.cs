using System.Net;
using System.Net.Sockets;
using Jetstream.EventQueue.Subscriptions;

namespace Jetstream.WebhookConsumer.Deliver;

/// <summary>
/// The connect step of the subscription webhook client: resolves the host itself and refuses to connect when it
/// resolves to an address <see cref="PrivateNetworks.IsPrivate"/> rejects. Checked here, at every new connection, and
/// not only when a URL is saved, because a name can resolve elsewhere later (DNS rebinding); the addresses checked are
/// the ones connected to.
/// </summary>
internal static class PrivateNetworkConnector
{
    public static async ValueTask<Stream> ConnectAsync(SocketsHttpConnectionContext context, CancellationToken cancellationToken)
    {
        var host = context.DnsEndPoint.Host;
        var addresses = IPAddress.TryParse(host.Trim('[', ']'), out var literal)
            ? [literal]
            : await Dns.GetHostAddressesAsync(host, cancellationToken);
        if (Array.Find(addresses, PrivateNetworks.IsPrivate) is { } blocked)
        {
            // Becomes the attempt's error (HttpClient wraps it), so the dead-letter entry says what to change.
            throw new PrivateNetworkRefusedException(
                $"refused to connect to '{host}': it resolves to {blocked}, a loopback, private, link-local or reserved address; " +
                "set Webhook:AllowPrivateNetworks=true to allow it");
        }

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
}
