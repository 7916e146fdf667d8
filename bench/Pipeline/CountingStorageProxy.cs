using System.Net;
using System.Net.Sockets;

namespace Jetstream.Bench.Pipeline;

/// <summary>
/// Loopback forwarders in front of Azurite's blob, queue and table ports that count the HTTP requests going through
/// (<see cref="HttpRequestCounter"/>): the hosts get <see cref="ConnectionString"/>, so every storage transaction they
/// make is counted, per service. The forwarding runs in the bench process, not in a host whose CPU is measured.
/// </summary>
internal sealed class CountingStorageProxy : IAsyncDisposable
{
    private const string AccountKey = "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==";

    private readonly Forwarder[] _forwarders;
    private readonly CancellationTokenSource _stop = new();

    private CountingStorageProxy(Forwarder blob, Forwarder queue, Forwarder table)
    {
        _forwarders = [blob, queue, table];
        ConnectionString = "DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;" +
            $"AccountKey={AccountKey};" +
            $"BlobEndpoint=http://127.0.0.1:{blob.Port}/devstoreaccount1;" +
            $"QueueEndpoint=http://127.0.0.1:{queue.Port}/devstoreaccount1;" +
            $"TableEndpoint=http://127.0.0.1:{table.Port}/devstoreaccount1;";
    }

    public string ConnectionString { get; }

    /// <summary>Requests so far to blobs, queues and tables.</summary>
    public StorageRequests Requests => new(_forwarders[0].Requests, _forwarders[1].Requests, _forwarders[2].Requests);

    public static CountingStorageProxy Start(string azuriteConnectionString)
    {
        int PortOf(string service) => connectionStringPorts(azuriteConnectionString)[service];
        var proxy = new CountingStorageProxy(new Forwarder(PortOf("Blob")), new Forwarder(PortOf("Queue")), new Forwarder(PortOf("Table")));
        foreach (var forwarder in proxy._forwarders)
        {
            forwarder.Start(proxy._stop.Token);
        }

        return proxy;

        static Dictionary<string, int> connectionStringPorts(string connectionString) => connectionString.Split(';')
            .Select(part => part.Split('=', 2))
            .Where(kv => kv.Length == 2 && kv[0].EndsWith("Endpoint", StringComparison.Ordinal) && kv[0] != "DefaultEndpointsProtocol")
            .ToDictionary(kv => kv[0][..^"Endpoint".Length], kv => new Uri(kv[1]).Port, StringComparer.Ordinal);
    }

    public ValueTask DisposeAsync()
    {
        _stop.Cancel();
        foreach (var forwarder in _forwarders)
        {
            forwarder.Stop();
        }

        _stop.Dispose();
        return ValueTask.CompletedTask;
    }

    private sealed class Forwarder
    {
        private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
        private readonly int _targetPort;
        private long _requests;

        // Listening from here on, so the port is known when the connection string is made.
        public Forwarder(int targetPort)
        {
            _targetPort = targetPort;
            _listener.Start();
        }

        public int Port => ((IPEndPoint)_listener.LocalEndpoint).Port;

        public long Requests => Interlocked.Read(ref _requests);

        public void Start(CancellationToken stop) => _ = AcceptAsync(stop);

        public void Stop() => _listener.Stop();

        private async Task AcceptAsync(CancellationToken stop)
        {
            while (!stop.IsCancellationRequested)
            {
                Socket client;
                try
                {
                    client = await _listener.AcceptSocketAsync(stop);
                }
                catch (Exception ex) when (ex is OperationCanceledException or SocketException or ObjectDisposedException)
                {
                    return;
                }

                _ = ForwardAsync(client, stop);
            }
        }

        private async Task ForwardAsync(Socket client, CancellationToken stop)
        {
            using var server = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
            using (client)
            {
                client.NoDelay = true;
                try
                {
                    await server.ConnectAsync(IPAddress.Loopback, _targetPort, stop);
                    var counter = new HttpRequestCounter();
                    await Task.WhenAny(PumpAsync(client, server, counter, stop), PumpAsync(server, client, null, stop));
                }
                catch (Exception ex) when (ex is OperationCanceledException or SocketException or ObjectDisposedException)
                {
                }
            }
        }

        private async Task PumpAsync(Socket from, Socket to, HttpRequestCounter? counter, CancellationToken stop)
        {
            var buffer = new byte[64 * 1024];
            try
            {
                while (true)
                {
                    var read = await from.ReceiveAsync(buffer, SocketFlags.None, stop);
                    if (read == 0)
                    {
                        to.Shutdown(SocketShutdown.Send);
                        return;
                    }

                    if (counter is not null)
                    {
                        var before = counter.Requests;
                        counter.Feed(buffer.AsSpan(0, read));
                        Interlocked.Add(ref _requests, counter.Requests - before);
                    }

                    await to.SendAsync(buffer.AsMemory(0, read), SocketFlags.None, stop);
                }
            }
            catch (Exception ex) when (ex is OperationCanceledException or SocketException or ObjectDisposedException)
            {
            }
        }
    }
}
