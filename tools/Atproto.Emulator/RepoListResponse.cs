using System.Text.Json.Serialization;

namespace Atproto.Emulator;

public sealed record RepoListResponse(
    IReadOnlyList<RepoListEntry> Repos,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Cursor);
