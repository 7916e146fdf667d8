namespace Atproto.Emulator;

/// <summary><c>GET /control/prebuild</c>: repositories built into the cache so far.</summary>
public sealed record PrebuildStatus(int Built, int Total, bool Done);
