namespace Jetstream.TestSupport;

/// <summary>A commit the PDS made: its CID and its <c>rev</c> (a TID), as the firehose and Jetstream carry it.</summary>
public sealed record DevNetCommit(string Cid, string Rev);
