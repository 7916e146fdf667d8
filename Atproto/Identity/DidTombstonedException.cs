namespace Jetstream.Atproto.Identity;

/// <summary>The DID existed and was deleted: the PLC directory answered 410 Gone (a tombstoned did:plc).</summary>
public sealed class DidTombstonedException(string did) : AtprotoException($"{did} is tombstoned (deleted at the PLC directory)")
{
    public string Did { get; } = did;
}
