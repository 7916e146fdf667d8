namespace Jetstream.Grains;

/// <summary>
/// The one backoff of the processor — reconnects, queue write retries and start-up retries (see the factories) —
/// Delays: <c>initial · 2ⁿ</c> after the n-th consecutive failure, capped, with ±20 % jitter so many clients
/// do not reconnect in step. <see cref="Reset"/> after a healthy session (one that delivered new events).
/// Waiting goes through <see cref="TimeProvider"/> so tests control the clock.
/// </summary>
public sealed class ReconnectBackoff(TimeSpan initial, TimeSpan max, TimeProvider time, Func<double>? random = null)
{
    private const double Jitter = 0.2;
    private readonly Func<double> _random = random ?? Random.Shared.NextDouble;

    public int ConsecutiveFailures { get; private set; }

    /// <summary>Between connection attempts: <c>Jetstream:InitialBackoffMs</c> doubling to <c>Jetstream:MaxBackoffMs</c>.</summary>
    public static ReconnectBackoff ForReconnects(Options.JetstreamOptions options, TimeProvider time) =>
        new(TimeSpan.FromMilliseconds(options.InitialBackoffMs), TimeSpan.FromMilliseconds(options.MaxBackoffMs), time);

    /// <summary>Between storage retries (queue writes, start-up): 100 ms doubling to <c>Jetstream:MaxQueueRetryDelayMs</c>.</summary>
    public static ReconnectBackoff ForStorage(TimeSpan max, TimeProvider time) =>
        new(TimeSpan.FromMilliseconds(Math.Min(100, max.TotalMilliseconds)), max, time);

    /// <summary>The delay before the next attempt, counting one more failure.</summary>
    public TimeSpan NextDelay()
    {
        var exponent = Math.Min(ConsecutiveFailures, 30);
        ConsecutiveFailures++;
        var baseMs = Math.Min(max.TotalMilliseconds, initial.TotalMilliseconds * Math.Pow(2, exponent));
        var jittered = baseMs * (1 - Jitter + (2 * Jitter * _random()));
        return TimeSpan.FromMilliseconds(Math.Min(max.TotalMilliseconds, jittered));
    }

    public void Reset() => ConsecutiveFailures = 0;

    public Task WaitAsync(TimeSpan delay, CancellationToken cancellationToken) => Task.Delay(delay, time, cancellationToken);
}
