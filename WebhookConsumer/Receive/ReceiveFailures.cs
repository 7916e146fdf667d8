using Jetstream.Grains.Interfaces.Retries;

namespace Jetstream.WebhookConsumer.Receive;

/// <summary>
/// The wait after a receive that failed (storage unreachable, throttling, a refused connection): from
/// <c>Webhook:MaxPollInterval</c> doubling up to <see cref="Longest"/> while the failures go on, each spread ±20 %, so the
/// loops of every subscription and every consumer that lost the same storage account do not all come back in the same
/// instant, nor hammer it once a second for the whole outage. A receive that succeeds starts again from the first wait.
/// </summary>
/// <param name="random">A number in [0, 1) for each wait's jitter; tests pass their own.</param>
internal sealed class ReceiveFailures(TimeSpan maxPollInterval, TimeProvider timeProvider, Func<double>? random = null)
{
    /// <summary>The longest wait: well inside <c>/health</c>'s limit (the visibility timeout plus 30 s without reaching the queue).</summary>
    public static readonly TimeSpan Longest = TimeSpan.FromSeconds(15);

    private readonly FailureStreak _streak = new(
        Backoff.Doubling(maxPollInterval, maxPollInterval > Longest ? maxPollInterval : Longest, Jitter.Around(0.2), random), timeProvider);

    /// <summary>About how long the loop will wait after the failure being reported (its jitter is drawn when it waits).</summary>
    public TimeSpan Next => _streak.Delay;

    public void Succeeded() => _streak.Reset();

    /// <summary>Counts one more failed receive and waits as long as it says; a cancelled wait returns without throwing.</summary>
    public Task WaitAsync(CancellationToken cancellationToken) => _streak.FailedAndWaitAsync(cancellationToken);
}
