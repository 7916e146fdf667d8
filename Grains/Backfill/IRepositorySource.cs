namespace Jetstream.Grains.Backfill;

/// <summary>
/// The AT Protocol network as the backfill needs it: the relay's list of repositories, a DID's PDS, and a repository
/// read and verified from its PDS. A port: the implementation is the <c>Atproto</c> library with the identity and
/// XRPC client (branches <c>atproto</c> and <c>keys</c>); the job and repository grains know only this.
/// </summary>
public interface IRepositorySource
{
    /// <summary>The relay's <c>com.atproto.sync.listReposByCollection</c> for <paramref name="collection"/>, every page, in its order (may repeat DIDs).</summary>
    IAsyncEnumerable<string> ListReposByCollectionAsync(string collection, CancellationToken cancellationToken);

    /// <summary>The DID's PDS endpoint (<c>#atproto_pds</c>). Throws <see cref="RepositoryFetchException"/> when the DID cannot be resolved.</summary>
    Task<Uri> ResolvePdsAsync(string did, CancellationToken cancellationToken);

    /// <summary>
    /// Opens <c>getRepo</c> on <paramref name="pds"/> and reads the commit (verified against the DID's key when
    /// <paramref name="verify"/>). Throws <see cref="RepositoryFetchException"/> for a refusal, a 429, a failing host or a failed check.
    /// </summary>
    Task<IRepositoryReader> OpenAsync(string did, Uri pds, bool verify, CancellationToken cancellationToken);
}
