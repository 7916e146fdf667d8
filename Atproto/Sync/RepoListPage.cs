namespace Jetstream.Atproto.Sync;

/// <summary>
/// One page of <c>com.atproto.sync.listReposByCollection</c>: the DIDs, the cursor of the next page (null at the end),
/// and entries that were not DIDs (kept, shortened, so a caller can report them instead of losing them silently).
/// </summary>
public sealed record RepoListPage(IReadOnlyList<string> Dids, string? Cursor, IReadOnlyList<string> Rejected);
