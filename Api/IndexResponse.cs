namespace Jetstream.Api;

/// <summary>Body of <c>GET /</c>: what this is and every route it serves (<c>"POST /reset"</c> style keys for non-GETs).</summary>
public sealed record IndexResponse(string Message, IReadOnlyDictionary<string, string> Endpoints);
