namespace Jetstream.Api;

/// <summary>The original service's acknowledgement body: <c>{"message": "..."}</c>.</summary>
public sealed record MessageResponse(string Message);
