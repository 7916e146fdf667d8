using System.Text.Json;

namespace Atproto.Emulator;

/// <summary>A change to make in an account (<c>POST /control/accounts/{did}/records</c>): <c>create</c> (rkey optional: a new TID), <c>update</c> or <c>delete</c>.</summary>
public sealed record RecordChange(string Operation, string Collection, string? Rkey = null, JsonElement? Record = null);
