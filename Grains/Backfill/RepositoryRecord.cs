namespace Jetstream.Grains.Backfill;

/// <summary>One record of a repository: where it is, its CID, and its value as atproto JSON (<c>$link</c>, <c>$bytes</c>, blob refs).</summary>
public sealed record RepositoryRecord(string Collection, string Rkey, string Cid, ReadOnlyMemory<byte> Json);
