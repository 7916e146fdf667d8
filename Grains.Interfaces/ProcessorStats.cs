using System.Collections.Immutable;

namespace Jetstream.Grains.Interfaces;

/// <summary>
/// Statistics of one processor. The JSON form (camelCase) is a superset of the original service's <c>/stats</c>:
/// <c>cursor</c>, <c>eventCounts</c>, <c>totalEvents</c>, <c>totalReceived</c>, <c>lastEventTime</c> keep their meaning.
/// </summary>
[GenerateSerializer, Immutable]
public sealed record ProcessorStats
{
    /// <summary>Highest <c>time_us</c> up to which every event is handled (queued or deliberately skipped).</summary>
    [Id(0)] public long? Cursor { get; init; }

    /// <summary>Matching commits queued, per collection.</summary>
    [Id(1)] public ImmutableDictionary<string, long> EventCounts { get; init; } = ImmutableDictionary<string, long>.Empty;

    /// <summary>Matching commits processed (queued).</summary>
    [Id(2)] public long TotalEvents { get; init; }

    /// <summary>Every event received from Jetstream, whatever its kind.</summary>
    [Id(3)] public long TotalReceived { get; init; }

    /// <summary>Time of the newest processed commit, from its <c>time_us</c>.</summary>
    [Id(4)] public DateTimeOffset? LastEventTime { get; init; }

    [Id(5)] public long ParseErrors { get; init; }

    [Id(6)] public long SkippedIdentityEvents { get; init; }

    [Id(7)] public long SkippedAccountEvents { get; init; }

    /// <summary>Commits whose collection matches no wanted pattern (a server that filtered less than asked).</summary>
    [Id(8)] public long SkippedNonMatchingCommits { get; init; }

    /// <summary>Replayed events dropped after a reconnect because they were already queued.</summary>
    [Id(9)] public long DuplicatesDropped { get; init; }

    /// <summary>Frames larger than <c>Jetstream:MaxFrameBytes</c>, skipped whole.</summary>
    [Id(10)] public long OversizeFrames { get; init; }

    /// <summary>Events written to the queue (equal to <see cref="TotalEvents"/> unless counters were reset).</summary>
    [Id(11)] public long QueuedEvents { get; init; }

    /// <summary>Events too large for one queue message, whose body went to blob storage.</summary>
    [Id(12)] public long OffloadedEvents { get; init; }

    [Id(13)] public long Reconnects { get; init; }

    [Id(14)] public DateTimeOffset StartedAt { get; init; }

    /// <summary>Wall-clock time the newest commit was queued.</summary>
    [Id(15)] public DateTimeOffset? LastProcessedAt { get; init; }

    /// <summary>Queued commits per second over the last minute.</summary>
    [Id(16)] public double EventsPerSecond { get; init; }

    /// <summary>Queued commits per minute and collection, oldest first, covering at most the last hour.</summary>
    [Id(17)] public ImmutableArray<MinuteBucket> RecentMinutes { get; init; } = [];

    /// <summary>Frames received per second (all kinds, before filtering) over about the last minute.</summary>
    [Id(18)] public double ReceivedPerSecond { get; init; }

    /// <summary>The wire of the current endpoint: <c>v1</c> or <c>v2</c>.</summary>
    [Id(19)] public string? Wire { get; init; }

    /// <summary>The compression in use (see <see cref="ConnectionStatus.Compression"/>).</summary>
    [Id(20)] public string? Compression { get; init; }

    /// <summary>Bytes received on the wire since the processor started.</summary>
    [Id(21)] public long WireBytes { get; init; }

    /// <summary>Those bytes once decompressed.</summary>
    [Id(22)] public long DecodedBytes { get; init; }

    /// <summary>Decoded / wire bytes; null before any byte.</summary>
    [Id(23)] public double? CompressionRatio { get; init; }

    /// <summary>Gaps recorded (the most recent, oldest first), persisted with the counters.</summary>
    [Id(24)] public ImmutableArray<StreamGap> Gaps { get; init; } = [];

    /// <summary>Every gap recorded since the counters were last reset.</summary>
    [Id(25)] public long GapCount { get; init; }

    /// <summary>Seconds from the cursor's time to when these statistics were read; null before the first event.</summary>
    [Id(26)] public double? LagSeconds { get; init; }
}
