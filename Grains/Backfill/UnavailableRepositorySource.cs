namespace Jetstream.Grains.Backfill;

/// <summary>
/// The <see cref="IRepositorySource"/> of a silo built without the AT Protocol client: every repository fails with a
/// reason that says so, rather than the silo refusing to start. The <c>Atproto</c> library's source replaces it.
/// </summary>
internal sealed class UnavailableRepositorySource : IRepositorySource
{
    private const string Reason = "this silo has no AT Protocol client (IRepositorySource) registered";

    public IAsyncEnumerable<string> ListReposByCollectionAsync(string collection, CancellationToken cancellationToken) =>
        throw new InvalidOperationException(Reason);

    public Task<Uri> ResolvePdsAsync(string did, CancellationToken cancellationToken) =>
        throw new RepositoryFetchException(RepositoryProblem.Invalid, Reason);

    public Task<IRepositoryReader> OpenAsync(string did, Uri pds, bool verify, CancellationToken cancellationToken) =>
        throw new RepositoryFetchException(RepositoryProblem.Invalid, Reason);
}
