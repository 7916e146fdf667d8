namespace Atproto.Emulator;

/// <summary>The counters at one moment (<c>GET /control/stats</c>).</summary>
public sealed record RequestCountersSnapshot(long RelayPages, IReadOnlyList<HostCounts> Hosts, IReadOnlyList<DidCounts> Dids);
