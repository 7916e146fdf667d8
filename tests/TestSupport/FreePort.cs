using System.Net;
using System.Net.Sockets;

namespace Jetstream.TestSupport;

public static class FreePort
{
    /// <summary>How long a port handed out stays reserved for its taker (time enough for a child process to listen).</summary>
    public static readonly TimeSpan ReservedFor = TimeSpan.FromMinutes(10);

    // One empty file per port handed out, shared by every process on the machine.
    private static readonly string Reservations = Path.Combine(Path.GetTempPath(), "jetstream-free-ports");

    /// <summary>
    /// A loopback TCP port that was free a moment ago and that no other caller on this machine (in any process) was
    /// given in the last <see cref="ReservedFor"/>. The kernel's own free port is not enough: it is free again as soon
    /// as the probe closes, so two benchmarks or test runs started in the same second were handed the same port for
    /// the child processes they start a moment later. And it comes from the ephemeral range, where any outgoing
    /// connection may take it as its local end before the child listens: so the port is drawn from just below that
    /// range (<c>/proc/sys/net/ipv4/ip_local_port_range</c>), which the kernel never hands out by itself.
    /// </summary>
    public static int Next()
    {
        var (low, high) = BelowEphemeralRange();
        for (var attempt = 0; attempt < 200; attempt++)
        {
            var port = Random.Shared.Next(low, high);
            if (IsFree(port) && TryReserve(port))
            {
                return port;
            }
        }

        for (var attempt = 0; ; attempt++)
        {
            using var listener = new TcpListener(IPAddress.Loopback, 0);
            listener.Start();
            var port = ((IPEndPoint)listener.LocalEndpoint).Port;
            if (TryReserve(port) || attempt >= 100)
            {
                return port;
            }
        }
    }

    private static (int Low, int High) BelowEphemeralRange()
    {
        var ephemeralStart = 32768;
        try
        {
            var range = File.ReadAllText("/proc/sys/net/ipv4/ip_local_port_range").Split((char[])['\t', ' ', '\n'], StringSplitOptions.RemoveEmptyEntries);
            ephemeralStart = int.Parse(range[0], System.Globalization.CultureInfo.InvariantCulture);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or FormatException or IndexOutOfRangeException)
        {
        }

        return ephemeralStart > 12_000 ? (ephemeralStart - 10_000, ephemeralStart) : (20_000, 30_000);
    }

    private static bool IsFree(int port)
    {
        try
        {
            using var listener = new TcpListener(IPAddress.Loopback, port);
            listener.Start();
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }

    /// <summary>Marks <paramref name="port"/> as taken; false when another caller reserved it less than <see cref="ReservedFor"/> ago.</summary>
    public static bool TryReserve(int port)
    {
        Directory.CreateDirectory(Reservations);
        var path = Path.Combine(Reservations, port.ToString(System.Globalization.CultureInfo.InvariantCulture));
        try
        {
            if (File.Exists(path) && DateTime.UtcNow - File.GetLastWriteTimeUtc(path) > ReservedFor)
            {
                File.Delete(path);
            }

            // CreateNew is atomic across processes: of two callers, exactly one creates the file.
            using var _ = new FileStream(path, FileMode.CreateNew, FileAccess.Write, FileShare.None);
            return true;
        }
        catch (IOException)
        {
            return false;
        }
        catch (UnauthorizedAccessException)
        {
            return false;
        }
    }

    public static async Task<bool> IsListeningAsync(int port)
    {
        try
        {
            using var client = new TcpClient();
            await client.ConnectAsync(IPAddress.Loopback, port).WaitAsync(TimeSpan.FromSeconds(1));
            return true;
        }
        catch (Exception ex) when (ex is SocketException or TimeoutException)
        {
            return false;
        }
    }
}
