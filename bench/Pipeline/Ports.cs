using System.Net;
using System.Net.Sockets;

namespace Jetstream.Bench.Pipeline;

internal static class Ports
{
    /// <summary>A loopback TCP port that was free a moment ago.</summary>
    public static int Free()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
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

    /// <summary>Polls <paramref name="condition"/> until it holds; throws with <paramref name="what"/> and the process's output otherwise.</summary>
    public static async Task WaitUntilAsync(Func<Task<bool>> condition, TimeSpan timeout, string what, ChildProcess? process = null)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (!await condition())
        {
            if (process is { HasExited: true } || DateTime.UtcNow > deadline)
            {
                throw new InvalidOperationException($"{what} did not happen within {timeout.TotalSeconds:F0} s." +
                    (process is null ? "" : $" {process.Name} output:\n{process.Tail()}"));
            }

            await Task.Delay(100);
        }
    }
}
