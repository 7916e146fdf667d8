namespace Jetstream.Grains.Backfill;

/// <summary>Why a repository could not be read; <see cref="Problem"/> decides what the job does with it.</summary>
public sealed class RepositoryFetchException(RepositoryProblem problem, string reason, DateTimeOffset? retryAfter = null, Exception? inner = null)
    : Exception(reason, inner)
{
    public RepositoryProblem Problem { get; } = problem;

    /// <summary>For <see cref="RepositoryProblem.RateLimited"/>: the server's <c>Retry-After</c> / <c>RateLimit-Reset</c>.</summary>
    public DateTimeOffset? RetryAfter { get; } = retryAfter;
}

public enum RepositoryProblem
{
    /// <summary><c>RepoTakendown</c>, <c>RepoDeactivated</c>, <c>RepoSuspended</c>, <c>RepoNotFound</c>, a tombstoned DID: skipped.</summary>
    Unavailable,

    /// <summary>A hash, the commit's DID, its signature or the tree is wrong: failed, nothing delivered.</summary>
    Invalid,

    /// <summary>429: the host is parked until the server's time.</summary>
    RateLimited,

    /// <summary>The host failed (5xx, timeout, refused, cut-off stream): retried with backoff.</summary>
    HostFailed,
}
