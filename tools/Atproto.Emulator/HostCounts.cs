namespace Atproto.Emulator;

/// <summary>One PDS host's requests, in flight now and at most at once.</summary>
public sealed record HostCounts(int Host, long Requests, int InFlight, int PeakInFlight);
