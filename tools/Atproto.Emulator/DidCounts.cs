namespace Atproto.Emulator;

/// <summary>One DID's getRepo and DID document requests.</summary>
public sealed record DidCounts(string Did, long GetRepo, long Plc);
