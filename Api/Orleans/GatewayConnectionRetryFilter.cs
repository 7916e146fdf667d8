namespace Jetstream.Api.Orleans;

/// <summary>
/// Keeps trying to reach a gateway instead of failing the host: the Api may start before the silo (or outlive it),
/// and meanwhile answers <c>/health/live</c>, with 503 from the routes that need the cluster.
/// </summary>
internal sealed class GatewayConnectionRetryFilter(ILogger<GatewayConnectionRetryFilter> logger, TimeProvider timeProvider)
    : IClientConnectionRetryFilter
{
    private static readonly TimeSpan RetryDelay = TimeSpan.FromSeconds(2);

    public async Task<bool> ShouldRetryConnectionAttempt(Exception exception, CancellationToken cancellationToken)
    {
        ApiLog.GatewayUnreachable(logger, exception.Message, RetryDelay.TotalSeconds);
        await Task.Delay(RetryDelay, timeProvider, cancellationToken);
        return true;
    }
}
