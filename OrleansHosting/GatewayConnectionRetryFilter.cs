using Jetstream.Grains.Interfaces.Retries;
using Microsoft.Extensions.Logging;

namespace Jetstream.OrleansHosting;

/// <summary>
/// Keeps trying to reach a gateway instead of failing the client's start: the Api and the WebhookConsumer may start
/// before any silo (or outlive them all). The Api answers <c>/health/live</c> and 503s meanwhile; the consumer polls.
/// </summary>
internal sealed class GatewayConnectionRetryFilter(ILogger<GatewayConnectionRetryFilter> logger, TimeProvider timeProvider)
    : IClientConnectionRetryFilter
{
    private static readonly Backoff Retry = Backoff.Fixed(TimeSpan.FromSeconds(2));
    private readonly FailureStreak _failures = new(Retry, timeProvider);

    public async Task<bool> ShouldRetryConnectionAttempt(Exception exception, CancellationToken cancellationToken)
    {
        var delay = _failures.NextDelay();
        HostingLog.GatewayUnreachable(logger, exception.Message, delay.TotalSeconds);
        await _failures.WaitAsync(delay, cancellationToken);
        return true;
    }
}
