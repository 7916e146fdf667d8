namespace Jetstream.Atproto.Identity;

/// <summary>A string that is not a DID atproto can resolve: malformed, a method other than plc or web, or a did:web with a path.</summary>
public sealed class UnsupportedDidException(string did, string message) : AtprotoException($"'{did}' {message}")
{
    public string Did { get; } = did;
}
