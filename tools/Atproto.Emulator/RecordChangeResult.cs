namespace Atproto.Emulator;

/// <summary>
/// What a change made: the new commit's revision, the record's CID (none for a delete) and the Jetstream v1 event
/// that carries it (<c>{"did","time_us","kind":"commit","commit":{…}}</c>), to feed the live side.
/// </summary>
public sealed record RecordChangeResult(string Did, string Rev, string Collection, string Rkey, string? Cid, string JetstreamEvent);
