namespace Jetstream.Atproto.Sync;

/// <summary>
/// <c>com.atproto.sync.getRepoStatus</c>: whether the host serves the repository, and if not why (<c>takendown</c>,
/// <c>suspended</c>, <c>deleted</c>, <c>deactivated</c>, <c>desynchronized</c>, <c>throttled</c>, or null: no claim).
/// </summary>
public sealed record RepoStatus(string Did, bool Active, string? Status, string? Rev);
