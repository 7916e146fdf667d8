namespace Atproto.Emulator;

public sealed record LatestCommitResponse(string Cid, string Rev);
