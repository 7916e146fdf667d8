using System.Net;
using Microsoft.AspNetCore.Connections.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Server.Kestrel.Core;

namespace Atproto.Emulator;

/// <summary>
/// The Kestrel listeners: one for the PLC directory, the relay and the control API, and one per PDS host. Each PDS
/// listener tags its connections with its host index, which is how a request knows which host it reached; the
/// bound addresses are read back after start (a port of 0 is chosen by the system).
/// </summary>
public sealed class EmulatorListeners
{
    private const string HostItem = "atproto-emulator-pds-host";
    private ListenOptions? _main;
    private ListenOptions[] _pds = [];

    /// <summary>The PLC, relay and control listener, e.g. <c>http://127.0.0.1:5000</c>.</summary>
    public Uri MainUri => UriOf(_main ?? throw new InvalidOperationException("the emulator has not started"));

    /// <summary>The PDS host's URL, as the DID documents name it.</summary>
    public Uri PdsUri(int host) => UriOf(_pds[host]);

    public int PdsHostCount => _pds.Length;

    internal void Configure(KestrelServerOptions kestrel, AtprotoEmulatorOptions options)
    {
        var address = IPAddress.Parse(options.Address);
        kestrel.Listen(address, options.Port, listen => _main = listen);
        _pds = new ListenOptions[options.PdsHosts];
        for (var i = 0; i < options.PdsHosts; i++)
        {
            var host = i;
            var hostAddress = options.DistinctPdsAddresses ? new IPAddress([127, 0, 0, (byte)(i + 2)]) : address;
            kestrel.Listen(hostAddress, options.PdsBasePort == 0 ? 0 : options.PdsBasePort + i, listen =>
            {
                _pds[host] = listen;
                listen.Use(next => connection =>
                {
                    connection.Items[HostItem] = host;
                    return next(connection);
                });
            });
        }
    }

    /// <summary>The PDS host a request reached, or null if it came to the main listener.</summary>
    internal static int? HostOf(HttpContext context) =>
        context.Features.Get<IConnectionItemsFeature>()?.Items.TryGetValue(HostItem, out var host) == true ? (int)host! : null;

    private static Uri UriOf(ListenOptions listen) => new($"http://{listen.IPEndPoint!.Address}:{listen.IPEndPoint.Port}");
}
