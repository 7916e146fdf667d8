using Microsoft.Extensions.Logging;

namespace Jetstream.Grains.Interfaces.Hosting;

/// <summary>
/// Keeps trying to reach a gateway instead of failing the client's start: the Api and the WebhookConsumer may start
/// before any silo (or outlive them all). The Api answers <c>/health/live</c> and 503s meanwhile; the consumer polls.
/// </summary>
internal sealed class GatewayConnectionRetryFilter(ILogger<GatewayConnectionRetryFilter> logger, TimeProvider timeProvider)
    : IClientConnectionRetryFilter
{
    private static readonly TimeSpan RetryDelay = TimeSpan.FromSeconds(2);

    public async Task<bool> ShouldRetryConnectionAttempt(Exception exception, CancellationToken cancellationToken)
    {
        HostingLog.GatewayUnreachable(logger, exception.Message, RetryDelay.TotalSeconds);
        await Task.Delay(RetryDelay, timeProvider, cancellationToken);
        return true;
    }
}
