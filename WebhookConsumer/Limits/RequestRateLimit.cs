using System.Threading.RateLimiting;

namespace Jetstream.WebhookConsumer.Limits;

/// <summary>
/// A subscription's <c>webhook.maxRequestsPerSecond</c> in this consumer process: a token bucket
/// (<see cref="TokenBucketRateLimiter"/>) that every request to the webhook waits on before it takes a delivery slot,
/// so a request waiting for a permit holds no slot of other subscriptions and spends no attempt. A changed limit
/// replaces the bucket at once: requests waiting on the old one wait again on the new one.
/// </summary>
internal sealed class RequestRateLimit : IDisposable
{
    /// <summary>No limit: every request may go at once.</summary>
    public static readonly RequestRateLimit None = new(TimeProvider.System);

    // A refill at least every ~100 ms keeps the burst (one refill's tokens) a tenth of the rate; a refill per token
    // for slower rates, so at most one request goes ahead of the rate.
    private const int RefillsPerSecond = 10;

    private readonly Lock _lock = new();
    private readonly TimeProvider _timeProvider;
    private TokenBucketRateLimiter? _bucket;

    /// <param name="timeProvider">For the deadline of a wait (the bucket itself refills on the system clock: the library takes no TimeProvider).</param>
    /// <param name="perSecond">The limit to start with; null: none.</param>
    public RequestRateLimit(TimeProvider timeProvider, int? perSecond = null)
    {
        _timeProvider = timeProvider;
        Set(perSecond);
    }

    /// <summary>The limit in force; null: none.</summary>
    public int? PerSecond { get; private set; }

    /// <summary>Most requests that may go at once, above the rate (the bucket's size): the bound is rate + burst in any second.</summary>
    public static int BurstOf(int perSecond) => Math.Max(1, perSecond / RefillsPerSecond);

    /// <summary>Sets the limit; the same value keeps the bucket (and the permits it holds).</summary>
    public void Set(int? perSecond)
    {
        TokenBucketRateLimiter? replaced;
        lock (_lock)
        {
            if (PerSecond == perSecond)
            {
                return;
            }

            replaced = _bucket;
            _bucket = perSecond is { } rate ? Bucket(rate) : null;
            PerSecond = perSecond;
        }

        // Its waiters get a failed lease and wait again on the new bucket (WaitAsync).
        replaced?.Dispose();
    }

    /// <summary>
    /// Waits for a permit to send one request. False when <paramref name="deadline"/> (after which no attempt may
    /// start) comes first: the request is not sent and no attempt is spent.
    /// </summary>
    public async ValueTask<bool> WaitAsync(DateTimeOffset deadline, CancellationToken cancellationToken)
    {
        while (true)
        {
            var bucket = Volatile.Read(ref _bucket);
            if (bucket is null)
            {
                return true;
            }

            var wait = deadline - _timeProvider.GetUtcNow();
            if (wait <= TimeSpan.Zero)
            {
                return false;
            }

            using var timeout = new CancellationTokenSource(wait, _timeProvider);
            using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, timeout.Token);
            try
            {
                using var lease = await bucket.AcquireAsync(1, linked.Token);
                if (lease.IsAcquired)
                {
                    return true;
                }
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                return false;
            }
            catch (ObjectDisposedException)
            {
                // Replaced by a new limit between the read and the wait: wait on the new one.
            }

            if (ReferenceEquals(bucket, Volatile.Read(ref _bucket)))
            {
                // Not a replacement (the queue holds int.MaxValue, so this should not happen): no busy loop.
                await Task.Delay(TimeSpan.FromMilliseconds(10), _timeProvider, cancellationToken);
            }
        }
    }

    public void Dispose() => Set(null);

    private static TokenBucketRateLimiter Bucket(int perSecond)
    {
        var burst = BurstOf(perSecond);
        return new TokenBucketRateLimiter(new TokenBucketRateLimiterOptions
        {
            TokenLimit = burst,
            TokensPerPeriod = burst,
            ReplenishmentPeriod = TimeSpan.FromSeconds((double)burst / perSecond),
            AutoReplenishment = true,

            // Every shard of the subscription may wait; the oldest request goes first, as the queue order.
            QueueLimit = int.MaxValue,
            QueueProcessingOrder = QueueProcessingOrder.OldestFirst,
        });
    }
}
