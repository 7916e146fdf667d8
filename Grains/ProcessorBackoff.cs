using Jetstream.Grains.Interfaces.Retries;
using Jetstream.Grains.Options;

namespace Jetstream.Grains;

/// <summary>
/// The processor's two backoffs, both doubling with ±20 % jitter so many processors do not retry in step: between
/// connection attempts, and between storage retries (queue writes, start-up). A healthy session or a write that went
/// through resets the streak.
/// </summary>
public static class ProcessorBackoff
{
    private static readonly Jitter Spread = Jitter.Around(0.2);

    /// <summary>Between connection attempts: <c>Jetstream:InitialBackoffMs</c> doubling to <c>Jetstream:MaxBackoffMs</c>.</summary>
    public static FailureStreak ForReconnects(JetstreamOptions options, TimeProvider time) =>
        new(Backoff.Doubling(TimeSpan.FromMilliseconds(options.InitialBackoffMs), TimeSpan.FromMilliseconds(options.MaxBackoffMs), Spread), time);

    /// <summary>Between storage retries (queue writes, start-up): 100 ms doubling to <c>Jetstream:MaxQueueRetryDelayMs</c>.</summary>
    public static FailureStreak ForStorage(TimeSpan max, TimeProvider time) =>
        new(Backoff.Doubling(TimeSpan.FromMilliseconds(100), max, Spread), time);
}
