namespace Jetstream.Atproto.Identity;

/// <summary>A DID document that cannot be used: malformed, of another DID, or without a usable PDS or <c>#atproto</c> key.</summary>
public sealed class InvalidDidDocumentException(string did, string message, Exception? inner = null)
    : AtprotoException($"the DID document of {did} {message}", inner)
{
    public string Did { get; } = did;
}
