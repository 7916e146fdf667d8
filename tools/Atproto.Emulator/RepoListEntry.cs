namespace Atproto.Emulator;

public sealed record RepoListEntry(string Did);
