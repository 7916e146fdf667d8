using System.Net;

namespace Jetstream.Atproto.Sync;

/// <summary>
/// An XRPC call that did not succeed: the server's error name and message (<c>{"error","message"}</c>), the HTTP
/// status, and for 429 (or a 503 that says so) how long to wait before asking that host again. A host that could not
/// be reached at all has no <see cref="StatusCode"/>.
/// </summary>
public sealed class XrpcException(
    string method, string host, HttpStatusCode? statusCode, string? error, string message, TimeSpan? retryAfter = null, Exception? inner = null)
    : AtprotoException(message, inner)
{
    public const string RepoNotFound = "RepoNotFound";
    public const string RepoTakendown = "RepoTakendown";
    public const string RepoSuspended = "RepoSuspended";
    public const string RepoDeactivated = "RepoDeactivated";

    /// <summary>The XRPC method called, e.g. <c>com.atproto.sync.getRepo</c>.</summary>
    public string Method { get; } = method;

    /// <summary>The host (and port, if not the default) that answered or failed to, for parking a host.</summary>
    public string Host { get; } = host;

    public HttpStatusCode? StatusCode { get; } = statusCode;

    /// <summary>The XRPC error name (<see cref="RepoTakendown"/>, <c>RateLimitExceeded</c>, …), when the body had one.</summary>
    public string? Error { get; } = error;

    /// <summary>How long the host asked us to wait (<c>Retry-After</c> seconds or date, else <c>RateLimit-Reset</c>), from now.</summary>
    public TimeSpan? RetryAfter { get; } = retryAfter;

    /// <summary>True when the repository is not served and asking again will not change that soon (taken down, suspended, deactivated, not found).</summary>
    public bool IsRepoUnavailable => Error is RepoNotFound or RepoTakendown or RepoSuspended or RepoDeactivated;

    public bool IsRateLimited => StatusCode == HttpStatusCode.TooManyRequests;
}
