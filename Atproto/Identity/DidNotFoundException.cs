namespace Jetstream.Atproto.Identity;

/// <summary>The DID does not exist: the PLC directory or the did:web host answered 404.</summary>
public sealed class DidNotFoundException(string did) : AtprotoException($"{did} was not found")
{
    public string Did { get; } = did;
}
