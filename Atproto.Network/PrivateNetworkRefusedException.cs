using System.Net;

namespace Jetstream.Atproto.Network;

/// <summary>
/// A connection <see cref="PrivateNetworkGuard"/> refused: the host resolved to an address outside the public
/// internet. A setting to change or a hostile input, never an outage, so callers should not retry it.
/// </summary>
public sealed class PrivateNetworkRefusedException(string host, IPAddress address, AddressRange range, string message)
    : AtprotoException(message)
{
    public string Host { get; } = host;

    public IPAddress Address { get; } = address;

    public AddressRange Range { get; } = range;
}
