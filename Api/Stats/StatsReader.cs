using Jetstream.Grains.Interfaces;

namespace Jetstream.Api.Stats;

/// <summary>Combines the processor grain's statistics with what storage says about the queues.</summary>
public sealed class StatsReader(IGrainFactory grains, QueueMetrics queues, TimeProvider timeProvider)
{
    public IJetstreamProcessorGrain Processor =>
        ClusterUnavailableException.Resolve(() => grains.GetGrain<IJetstreamProcessorGrain>(IJetstreamProcessorGrain.DefaultKey));

    public async Task<StatsResponse> ReadAsync(CancellationToken cancellationToken)
    {
        var statsTask = Processor.GetStats();
        var depthTask = queues.ReadMainQueueAsync(cancellationToken);
        var deadTask = queues.ReadDeadLettersAsync(cancellationToken);
        var stats = await statsTask;
        return Combine(stats, await depthTask, await deadTask);
    }

    public StatsResponse Combine(ProcessorStats stats, QueueReading queue, QueueReading deadLetters) => new()
    {
        Cursor = stats.Cursor,
        EventCounts = stats.EventCounts
            .OrderByDescending(pair => pair.Value)
            .ThenBy(pair => pair.Key, StringComparer.Ordinal)
            .ToDictionary(pair => pair.Key, pair => pair.Value),
        TotalEvents = stats.TotalEvents,
        TotalReceived = stats.TotalReceived,
        LastEventTime = stats.LastEventTime,
        EventsPerSecond = stats.EventsPerSecond,
        LagSeconds = LagSeconds(stats.Cursor),
        QueueDepth = queue.ApproximateCount,
        DeadLetterCount = deadLetters.ApproximateCount,
        QueuedEvents = stats.QueuedEvents,
        OffloadedEvents = stats.OffloadedEvents,
        ParseErrors = stats.ParseErrors,
        SkippedIdentityEvents = stats.SkippedIdentityEvents,
        SkippedAccountEvents = stats.SkippedAccountEvents,
        SkippedNonMatchingCommits = stats.SkippedNonMatchingCommits,
        DuplicatesDropped = stats.DuplicatesDropped,
        OversizeFrames = stats.OversizeFrames,
        Reconnects = stats.Reconnects,
        StartedAt = stats.StartedAt,
        LastProcessedAt = stats.LastProcessedAt,
        RecentMinutes = stats.RecentMinutes,
    };

    /// <summary>The cursor's time: Jetstream's <c>time_us</c> is microseconds since the Unix epoch.</summary>
    public static DateTimeOffset CursorTime(long cursor) => DateTimeOffset.UnixEpoch.AddTicks(cursor * TimeSpan.TicksPerMicrosecond);

    private double? LagSeconds(long? cursor) =>
        cursor is { } value
            ? Math.Round(Math.Max(0, (timeProvider.GetUtcNow() - CursorTime(value)).TotalSeconds), 3)
            : null;
}
