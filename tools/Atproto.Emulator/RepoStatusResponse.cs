using System.Text.Json.Serialization;

namespace Atproto.Emulator;

public sealed record RepoStatusResponse(
    string Did,
    bool Active,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Status,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Rev);
