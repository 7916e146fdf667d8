using System.Net;

namespace Jetstream.Atproto.Identity;

/// <summary>Resolving a DID failed in a way that may pass (network error, timeout, an unexpected HTTP status): worth retrying later.</summary>
public sealed class DidResolutionException(string did, string message, HttpStatusCode? statusCode = null, Exception? inner = null)
    : AtprotoException($"resolving {did} failed: {message}", inner)
{
    public string Did { get; } = did;

    /// <summary>The HTTP status the server answered, if it answered.</summary>
    public HttpStatusCode? StatusCode { get; } = statusCode;
}
