using System.Runtime.CompilerServices;
using Jetstream.Atproto;
using Jetstream.Atproto.Car;
using Jetstream.Atproto.Identity;
using Jetstream.Atproto.Network;
using Jetstream.Atproto.Repo;
using Jetstream.Atproto.Syntax;
using Jetstream.Atproto.Sync;
using Jetstream.Grains.Interfaces.Retries;
using Microsoft.Extensions.Options;

namespace Jetstream.Grains.Backfill.Network;

/// <summary>
/// The backfill's <see cref="IRepositorySource"/> on the <c>Atproto</c> library: the relay's lists through
/// <see cref="AtprotoSyncClient"/>, DIDs through <see cref="IDidResolver"/> (cached), a repository through
/// <see cref="RepoSnapshot"/> (spooled to a temp file as it arrives, every block hashed, the commit verified with the
/// DID's key). The library's errors become the backfill's four problems here and nowhere else.
/// </summary>
public sealed class AtprotoRepositorySource(AtprotoSyncClient sync, IDidResolver resolver, IOptions<AtprotoNetworkOptions> options, TimeProvider time) : IRepositorySource
{
    private const int PageLimit = AtprotoSyncClient.MaxListLimit;
    private const int MaxRateLimitWaits = 10;

    // A 429 that names no time waits UnnamedWait; one that names a time waits that long, at least MinWait (never a
    // hot loop on "Retry-After: 0") and at most Atproto:MaxRetryAfterSeconds (Backoff's one Retry-After rule).
    private static readonly TimeSpan UnnamedWait = TimeSpan.FromSeconds(5);
    private static readonly TimeSpan MinWait = TimeSpan.FromSeconds(1);
    private readonly Uri _relay = new(options.Value.RelayUrl);
    private readonly TimeSpan _maxRetryAfter = TimeSpan.FromSeconds(options.Value.MaxRetryAfterSeconds);

    public async IAsyncEnumerable<string> ListReposByCollectionAsync(string collection, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        string? cursor = null;
        var waits = 0;
        // Not a do-while: a 429's `continue` would test the cursor, still null on the first page, and end the list empty.
        while (true)
        {
            RepoListPage page;
            try
            {
                page = await sync.ListReposByCollectionAsync(_relay, collection, cursor, PageLimit, cancellationToken);
            }
            catch (XrpcException ex) when (ex.IsRateLimited && waits++ < MaxRateLimitWaits)
            {
                await Task.Delay(RateLimitWait(ex), time, cancellationToken);
                continue;
            }

            foreach (var did in page.Dids)
            {
                yield return did;
            }

            cursor = page.Cursor;
            if (cursor is null)
            {
                yield break;
            }
        }
    }

    public async Task<Uri> ResolvePdsAsync(string did, CancellationToken cancellationToken) =>
        (await ResolveAsync(did, cancellationToken)).PdsEndpoint;

    public async Task<IRepositoryReader> OpenAsync(string did, Uri pds, bool verify, CancellationToken cancellationToken)
    {
        var document = await ResolveAsync(did, cancellationToken);
        Stream car;
        try
        {
            car = await sync.GetRepoAsync(pds, did, cancellationToken);
        }
        catch (XrpcException ex) when (ex.IsRepoUnavailable)
        {
            throw new RepositoryFetchException(RepositoryProblem.Unavailable, $"{ex.Error}: {ex.Message}", inner: ex);
        }
        catch (XrpcException ex) when (ex.IsRateLimited)
        {
            throw new RepositoryFetchException(RepositoryProblem.RateLimited, ex.Message, time.GetUtcNow() + RateLimitWait(ex), ex);
        }
        catch (Exception ex) when (ex is XrpcException or HttpRequestException or IOException or TaskCanceledException && !cancellationToken.IsCancellationRequested)
        {
            throw Refused(ex) ?? new RepositoryFetchException(RepositoryProblem.HostFailed, $"getRepo from {pds.Authority} failed: {ex.Message}", inner: ex);
        }

        await using (car)
        {
            RepoSnapshot? snapshot = null;
            try
            {
                snapshot = await RepoSnapshot.ReadAsync(car, CarReadOptions.Default, cancellationToken);
                if (verify)
                {
                    snapshot.Verify(Did.Parse(did), document.SigningKey);
                }

                return new AtprotoRepositoryReader(snapshot);
            }
            catch (AtprotoException ex)
            {
                snapshot?.Dispose();
                throw new RepositoryFetchException(RepositoryProblem.Invalid, ex.Message, inner: ex);
            }
            catch (Exception ex) when (ex is HttpRequestException or IOException && !cancellationToken.IsCancellationRequested)
            {
                snapshot?.Dispose();
                throw new RepositoryFetchException(RepositoryProblem.HostFailed, $"reading {did} from {pds.Authority} failed: {ex.Message}", inner: ex);
            }
        }
    }

    private TimeSpan RateLimitWait(XrpcException rateLimited) =>
        Backoff.HonourRetryAfter(rateLimited.RetryAfter is null ? UnnamedWait : MinWait, rateLimited.RetryAfter, _maxRetryAfter);

    private async Task<DidDocument> ResolveAsync(string did, CancellationToken cancellationToken)
    {
        try
        {
            return await resolver.ResolveAsync(did, cancellationToken);
        }
        catch (Exception ex) when (ex is DidNotFoundException or DidTombstonedException)
        {
            throw new RepositoryFetchException(RepositoryProblem.Unavailable, ex.Message, inner: ex);
        }
        catch (Exception ex) when (ex is UnsupportedDidException or InvalidDidDocumentException or PrivateNetworkRefusedException)
        {
            throw new RepositoryFetchException(RepositoryProblem.Invalid, ex.Message, inner: ex);
        }
    }

    /// <summary>A PDS on a private address (named by a DID document, anyone's input) fails the repository; it is no outage.</summary>
    private static RepositoryFetchException? Refused(Exception ex)
    {
        for (var inner = ex; inner is not null; inner = inner.InnerException)
        {
            if (inner is PrivateNetworkRefusedException refused)
            {
                return new RepositoryFetchException(RepositoryProblem.Invalid, refused.Message, inner: ex);
            }
        }

        return null;
    }
}
