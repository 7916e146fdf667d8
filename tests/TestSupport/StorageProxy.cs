namespace Jetstream.TestSupport;

/// <summary>Blob, queue and table endpoints of an Azurite reached through <see cref="TcpProxy"/>s that a test can cut together.</summary>
public sealed class StorageProxy : IAsyncDisposable
{
    private readonly TcpProxy[] _proxies;

    private StorageProxy(TcpProxy blob, TcpProxy queue, TcpProxy table)
    {
        _proxies = [blob, queue, table];
        ConnectionString = AzuriteProcess.ConnectionStringFor(blob.Port, queue.Port, table.Port);
    }

    public string ConnectionString { get; }

    /// <summary>Proxies the Azurite whose ports are 10000-10002 or those in <paramref name="connectionString"/>.</summary>
    /// <param name="upstreamSegmentBytes">When set, requests reach Azurite in pieces of at most this size (see <see cref="TcpProxy"/>).</param>
    public static StorageProxy Start(string connectionString, int? upstreamSegmentBytes = null)
    {
        int PortOf(string service) =>
            connectionString.Split(';').Select(p => p.Split('=', 2)).Where(kv => kv[0] == $"{service}Endpoint").Select(kv => new Uri(kv[1]).Port).DefaultIfEmpty(service switch { "Blob" => 10000, "Queue" => 10001, _ => 10002 }).First();
        return new StorageProxy(
            TcpProxy.Start(PortOf("Blob"), upstreamSegmentBytes),
            TcpProxy.Start(PortOf("Queue"), upstreamSegmentBytes),
            TcpProxy.Start(PortOf("Table"), upstreamSegmentBytes));
    }

    public void Cut()
    {
        foreach (var proxy in _proxies)
        {
            proxy.Cut();
        }
    }

    public void Resume()
    {
        foreach (var proxy in _proxies)
        {
            proxy.Resume();
        }
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var proxy in _proxies)
        {
            await proxy.DisposeAsync();
        }
    }
}
