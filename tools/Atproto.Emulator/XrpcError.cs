namespace Atproto.Emulator;

/// <summary>The body of an XRPC error: <c>{"error":"RepoTakendown","message":"…"}</c>.</summary>
public sealed record XrpcError(string Error, string Message);
