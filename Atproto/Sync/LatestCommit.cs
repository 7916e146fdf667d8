namespace Jetstream.Atproto.Sync;

/// <summary>The head of a repository (<c>com.atproto.sync.getLatestCommit</c>): the commit's CID and its rev (a TID).</summary>
public sealed record LatestCommit(string Cid, string Rev);
