using System.Net;
using System.Net.Sockets;

namespace Jetstream.Atproto.Tests.Support;

/// <summary>A loopback port nothing listens on (taken from the OS, then released).</summary>
internal static class FreePort
{
    public static int Next()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
