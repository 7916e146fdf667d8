namespace Jetstream.TestSupport;

/// <summary>The commits (one per 200 writes) and, per write in order, the record's URI and CID (none for a delete).</summary>
public sealed record DevNetWriteResult(IReadOnlyList<DevNetCommit> Commits, IReadOnlyList<DevNetRecordRef> Results);
