using System.Net;
using Jetstream.Atproto.Identity;
using Jetstream.Atproto.Network;
using Jetstream.Atproto.Sync;

namespace Jetstream.Grains.Backfill.Network;

/// <summary>
/// One HTTP client for everything the backfill asks the network (relay, PLC, did:web, PDSes), behind the private-network
/// guard unless <c>Atproto:AllowPrivateNetworks</c>: every URL it meets comes from the relay or a DID document, anyone's input.
/// </summary>
public sealed class AtprotoClients
{
    private AtprotoClients(AtprotoSyncClient sync, IDidResolver resolver)
    {
        Sync = sync;
        Resolver = resolver;
    }

    public AtprotoSyncClient Sync { get; }

    public IDidResolver Resolver { get; }

    public static AtprotoClients Create(AtprotoNetworkOptions options, TimeProvider time)
    {
        var guard = new PrivateNetworkGuard(options.AllowPrivateNetworks, "Atproto:AllowPrivateNetworks");
        var handler = guard.Apply(new SocketsHttpHandler
        {
            AutomaticDecompression = DecompressionMethods.All,
            PooledConnectionLifetime = TimeSpan.FromMinutes(5),
            ConnectTimeout = TimeSpan.FromSeconds(15),
        });
        // No overall timeout: a large repository streams for minutes; the resolver keeps its own per request.
        var http = new HttpClient(handler) { Timeout = Timeout.InfiniteTimeSpan };
        http.DefaultRequestHeaders.UserAgent.ParseAdd("Jetstream.Orleans-backfill/1.0");
        return new AtprotoClients(new AtprotoSyncClient(http, time), new DidResolver(http, new DidResolverOptions { PlcUrl = new Uri(options.PlcUrl) }, time));
    }
}
