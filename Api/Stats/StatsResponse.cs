using System.Collections.Immutable;
using Jetstream.Grains.Interfaces;

namespace Jetstream.Api.Stats;

/// <summary>
/// Body of <c>GET /stats</c>. The first five members keep the original service's keys and meaning; the rest are the
/// processor's other counters and what the Api measures itself (rate, lag, queue depth, dead letters).
/// </summary>
public sealed record StatsResponse
{
    /// <summary>Jetstream <c>time_us</c> (microseconds since the Unix epoch) up to which every event is handled.</summary>
    public long? Cursor { get; init; }

    /// <summary>Commits queued per collection, largest first.</summary>
    public required IReadOnlyDictionary<string, long> EventCounts { get; init; }

    public long TotalEvents { get; init; }

    public long TotalReceived { get; init; }

    public DateTimeOffset? LastEventTime { get; init; }

    /// <summary>Commits queued per second over the last minute.</summary>
    public double EventsPerSecond { get; init; }

    /// <summary>Now minus the cursor's time, in seconds; null before the first event.</summary>
    public double? LagSeconds { get; init; }

    /// <summary>Approximate number of messages waiting in the main queue (each may carry several events); null when storage cannot say.</summary>
    public long? QueueDepth { get; init; }

    /// <summary>Dead-lettered deliveries waiting for a redrive; null when storage cannot say.</summary>
    public long? DeadLetterCount { get; init; }

    public long QueuedEvents { get; init; }

    public long OffloadedEvents { get; init; }

    public long ParseErrors { get; init; }

    public long SkippedIdentityEvents { get; init; }

    public long SkippedAccountEvents { get; init; }

    public long SkippedNonMatchingCommits { get; init; }

    public long DuplicatesDropped { get; init; }

    public long OversizeFrames { get; init; }

    public long Reconnects { get; init; }

    public DateTimeOffset StartedAt { get; init; }

    public DateTimeOffset? LastProcessedAt { get; init; }

    /// <summary>Frames received per second over the last minute (all kinds, before filtering).</summary>
    [System.Text.Json.Serialization.JsonIgnore]
    public double ReceivedPerSecond { get; init; }

    /// <summary>Commits per minute and collection over the last hour, oldest first.</summary>
    public ImmutableArray<MinuteBucket> RecentMinutes { get; init; } = [];

    /// <summary><c>v1</c> or <c>v2</c>: the wire of the endpoint in use.</summary>
    public string? Wire { get; init; }

    /// <summary>The compression in use, e.g. <c>zstd (dictionary 1612007021)</c>.</summary>
    public string? Compression { get; init; }

    /// <summary>Bytes received on the wire since the processor started.</summary>
    public long WireBytes { get; init; }

    /// <summary>The same frames once decompressed.</summary>
    public long DecodedBytes { get; init; }

    /// <summary>Decoded / wire bytes.</summary>
    public double? CompressionRatio { get; init; }

    /// <summary>The most recent gaps in the stream (from, to, unit, reason, endpoint), oldest first.</summary>
    public ImmutableArray<StreamGap> Gaps { get; init; } = [];

    /// <summary>Gaps recorded since the counters were reset.</summary>
    public long GapCount { get; init; }

    /// <summary>The subscription's webhook endpoint circuit, as the consumers report it.</summary>
    public WebhookCircuitResponse WebhookCircuit { get; init; } = WebhookCircuitReader.Closed;
}
