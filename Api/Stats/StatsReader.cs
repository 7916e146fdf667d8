using Jetstream.Grains.Interfaces;

namespace Jetstream.Api.Stats;

/// <summary>
/// Combines a subscription's processor grain statistics with what storage says about its queues and what the consumers
/// report about its webhook endpoint's circuit.
/// </summary>
public sealed class StatsReader(IGrainFactory grains, QueueMetrics queues, WebhookCircuitReader circuits)
{
    /// <summary>The <c>default</c> subscription's processor, which the top-level routes read.</summary>
    public IJetstreamProcessorGrain Processor => ProcessorOf(IJetstreamProcessorGrain.DefaultKey);

    public IJetstreamProcessorGrain ProcessorOf(string subscriptionId) =>
        ClusterUnavailableException.Resolve(() => grains.GetGrain<IJetstreamProcessorGrain>(subscriptionId));

    public Task<StatsResponse> ReadAsync(CancellationToken cancellationToken) => ReadAsync(IJetstreamProcessorGrain.DefaultKey, cancellationToken);

    /// <param name="circuit">The circuit's state when the caller read it already (for many subscriptions at once); null reads it.</param>
    public async Task<StatsResponse> ReadAsync(string subscriptionId, CancellationToken cancellationToken, WebhookCircuitResponse? circuit = null)
    {
        var statsTask = ProcessorOf(subscriptionId).GetStats();
        var depthTask = queues.ReadMainQueueAsync(subscriptionId, cancellationToken);
        var deadTask = queues.ReadDeadLettersAsync(subscriptionId, cancellationToken);
        var circuitTask = circuit is null ? circuits.ReadAsync(subscriptionId, cancellationToken) : Task.FromResult(circuit);
        var stats = await statsTask;
        return Combine(stats, await depthTask, await deadTask, await circuitTask);
    }

    /// <summary>A subscription's connection status with its webhook endpoint's circuit (the <c>/status</c> body).</summary>
    public async Task<StatusResponse> ReadStatusAsync(string subscriptionId, CancellationToken cancellationToken)
    {
        var statusTask = ProcessorOf(subscriptionId).GetStatus();
        var circuit = await circuits.ReadAsync(subscriptionId, cancellationToken);
        return new StatusResponse(await statusTask, circuit);
    }

    public StatsResponse Combine(ProcessorStats stats, QueueReading queue, QueueReading deadLetters, WebhookCircuitResponse circuit) => new()
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
        LagSeconds = stats.LagSeconds,
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
        ReceivedPerSecond = stats.ReceivedPerSecond,
        Wire = stats.Wire,
        Compression = stats.Compression,
        WireBytes = stats.WireBytes,
        DecodedBytes = stats.DecodedBytes,
        CompressionRatio = stats.CompressionRatio,
        Gaps = stats.Gaps,
        GapCount = stats.GapCount,
        WebhookCircuit = circuit,
    };
}
