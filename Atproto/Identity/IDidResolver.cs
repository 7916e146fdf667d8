namespace Jetstream.Atproto.Identity;

/// <summary>Resolves a DID (<c>did:plc</c> or <c>did:web</c>) to the parts of its document atproto uses.</summary>
public interface IDidResolver
{
    /// <summary>
    /// The DID's document, possibly from a cache. Throws <see cref="DidNotFoundException"/>,
    /// <see cref="DidTombstonedException"/>, <see cref="UnsupportedDidException"/> or
    /// <see cref="InvalidDidDocumentException"/> when the answer will not change by asking again,
    /// <see cref="DidResolutionException"/> when it might (network, 5xx, timeout), and
    /// <see cref="Network.PrivateNetworkRefusedException"/> when the DID's host is on a private network.
    /// </summary>
    Task<DidDocument> ResolveAsync(string did, CancellationToken cancellationToken = default);

    /// <summary>Forgets a cached document, e.g. after a signature failed to verify with its key (the key may have rotated).</summary>
    void Invalidate(string did);
}
