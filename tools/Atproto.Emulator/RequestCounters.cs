using System.Collections.Concurrent;

namespace Atproto.Emulator;

/// <summary>
/// Requests per PDS host (with how many were in flight at once) and per DID, so a test can assert "finished
/// repositories are not fetched again" or "at most K at once per host".
/// </summary>
public sealed class RequestCounters
{
    private readonly ConcurrentDictionary<int, HostCounter> _hosts = new();
    private readonly ConcurrentDictionary<string, DidCounter> _dids = new(StringComparer.Ordinal);
    private long _relayPages;

    public long RelayPages => Interlocked.Read(ref _relayPages);

    /// <summary>getRepo requests for a DID (whatever the answer).</summary>
    public long GetRepoRequests(string did) => _dids.TryGetValue(did, out var c) ? Interlocked.Read(ref c.GetRepo) : 0;

    /// <summary>DID document requests for a DID.</summary>
    public long PlcRequests(string did) => _dids.TryGetValue(did, out var c) ? Interlocked.Read(ref c.Plc) : 0;

    /// <summary>Requests a PDS host received.</summary>
    public long HostRequests(int host) => _hosts.TryGetValue(host, out var c) ? Interlocked.Read(ref c.Requests) : 0;

    /// <summary>The most requests a PDS host had in flight at once.</summary>
    public int PeakInFlight(int host) => _hosts.TryGetValue(host, out var c) ? Volatile.Read(ref c.Peak) : 0;

    public RequestCountersSnapshot Snapshot() => new(
        RelayPages,
        _hosts.OrderBy(h => h.Key).Select(h => new HostCounts(h.Key, Interlocked.Read(ref h.Value.Requests), Volatile.Read(ref h.Value.InFlight), Volatile.Read(ref h.Value.Peak))).ToArray(),
        _dids.OrderBy(d => d.Key, StringComparer.Ordinal).Select(d => new DidCounts(d.Key, Interlocked.Read(ref d.Value.GetRepo), Interlocked.Read(ref d.Value.Plc))).ToArray());

    public void Reset()
    {
        _hosts.Clear();
        _dids.Clear();
        Interlocked.Exchange(ref _relayPages, 0);
    }

    internal void CountRelayPage() => Interlocked.Increment(ref _relayPages);

    internal void CountPlc(string did) => Interlocked.Increment(ref _dids.GetOrAdd(did, _ => new DidCounter()).Plc);

    internal void CountGetRepo(string did) => Interlocked.Increment(ref _dids.GetOrAdd(did, _ => new DidCounter()).GetRepo);

    /// <summary>Counts a request on a host as in flight until the returned scope is disposed.</summary>
    internal InFlight Enter(int host)
    {
        var counter = _hosts.GetOrAdd(host, _ => new HostCounter());
        Interlocked.Increment(ref counter.Requests);
        var now = Interlocked.Increment(ref counter.InFlight);
        int peak;
        while (now > (peak = Volatile.Read(ref counter.Peak)) && Interlocked.CompareExchange(ref counter.Peak, now, peak) != peak)
        {
        }
        return new InFlight(counter);
    }

    internal readonly struct InFlight(HostCounter counter) : IDisposable
    {
        public void Dispose() => Interlocked.Decrement(ref counter.InFlight);
    }

    internal sealed class HostCounter
    {
        public long Requests;
        public int InFlight;
        public int Peak;
    }

    private sealed class DidCounter
    {
        public long GetRepo;
        public long Plc;
    }
}
