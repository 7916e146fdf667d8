using Jetstream.Atproto.Crypto;

namespace Jetstream.Atproto.Identity;

/// <summary>
/// What atproto needs from a DID document: the DID, its PDS (the <c>#atproto_pds</c> service of type
/// <c>AtprotoPersonalDataServer</c>), its repository signing key (the <c>#atproto</c> verification method, in the
/// <c>Multikey</c> or legacy <c>EcdsaSecp256…VerificationKey2019</c> form) and the handles it claims
/// (<c>alsoKnownAs</c> entries <c>at://handle</c>, not verified here: a handle is only a claim until its domain confirms it).
/// </summary>
public sealed class DidDocument
{
    public DidDocument(string did, Uri pdsEndpoint, AtprotoPublicKey signingKey, IReadOnlyList<string> handles)
    {
        Did = did;
        PdsEndpoint = pdsEndpoint;
        SigningKey = signingKey;
        Handles = handles;
    }

    public string Did { get; }

    /// <summary>An absolute http(s) URL; it came from the document's author, so connect to it only through a <see cref="Network.PrivateNetworkGuard"/>.</summary>
    public Uri PdsEndpoint { get; }

    public AtprotoPublicKey SigningKey { get; }

    /// <summary>The claimed handles in document order, without the <c>at://</c>; the first is the primary one.</summary>
    public IReadOnlyList<string> Handles { get; }

    /// <summary>
    /// Reads a DID document (UTF-8 JSON) that must be the document of <paramref name="expectedDid"/>. Throws
    /// <see cref="InvalidDidDocumentException"/> for malformed JSON, another DID's document, a missing or unusable
    /// PDS service or <c>#atproto</c> key.
    /// </summary>
    public static DidDocument Parse(ReadOnlySpan<byte> utf8Json, string expectedDid) => DidDocumentReader.Read(utf8Json, expectedDid);
}
