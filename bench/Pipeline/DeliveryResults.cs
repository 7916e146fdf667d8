namespace Jetstream.Bench.Pipeline;

/// <summary>Issue 13's firehose runs: unpaced (the maximum), then paced rows on the same hosts; what each asked of the hosts.</summary>
internal sealed record FirehoseDeliveryResult(int BatchEvents, bool MessageVersion2, IReadOnlyList<string> Settings, ThroughputResult Maximum, IReadOnlyList<ThroughputResult> Paced);

/// <summary>Sparse events one at a time, the first after an idle spell, and the storage requests while idle.</summary>
internal sealed record SparseResult
{
    public required Percentiles Latency { get; init; }

    public required int Published { get; init; }

    public required double AfterIdleMs { get; init; }

    public required double IdleSeconds { get; init; }

    /// <summary>Storage requests of the Silo and the consumer over the idle window, per service.</summary>
    public required StorageRequests IdleRequests { get; init; }

    public required List<HostUsage> IdleUsage { get; init; }

    public double IdleRequestsPerSecond => IdleRequests.Total / IdleSeconds;

    /// <summary>The same hosts with wake-on-write off (polling as before it): the idle window and the first event after it.</summary>
    public SparseResult? WithoutWake { get; init; }
}

/// <summary>One outage run: the receiver down (and a share of requests failing), then back.</summary>
internal sealed record OutageResult
{
    public required string Name { get; init; }

    public required double Rate { get; init; }

    public required TimeSpan Outage { get; init; }

    public required double FailureRate { get; init; }

    public required long Queued { get; init; }

    public required long Delivered { get; init; }

    /// <summary>From the receiver's return to the first delivery after it (the circuit's probe, when one is open).</summary>
    public required double FirstArrivalAfterReturnSeconds { get; init; }

    /// <summary>From the receiver's return to the first arrival of the last event to arrive (NaN when none arrived after it).</summary>
    public required double LastArrivalAfterReturnSeconds { get; init; }

    /// <summary>
    /// Events whose first arrival was more than 15 s after the return, or after their own publication when that came
    /// later (the events of the feed's tail).
    /// </summary>
    public required long ArrivedLate { get; init; }

    /// <summary>From the receiver's return to the first arrival of the last event published before it (the backlog).</summary>
    public required double BacklogDeliveredAfterReturnSeconds { get; init; }

    /// <summary>Publication to first arrival (ms) of the events published 5 s or more after the return.</summary>
    public required Percentiles RecoveredLatency { get; init; }

    /// <summary>The longest time from an event's publication to its first arrival.</summary>
    public required double LongestWaitSeconds { get; init; }

    public required long DeadLettered { get; init; }

    /// <summary>Events queued but not delivered when the wait ended.</summary>
    public long Undelivered => Queued - Delivered;

    public required double WaitedSeconds { get; init; }

    public required long Requests { get; init; }

    public required long FailedRequests { get; init; }
}

/// <summary>A fault-free run: every event should come exactly once.</summary>
internal sealed record DuplicatesResult
{
    public required double Rate { get; init; }

    public required double Seconds { get; init; }

    public required long Queued { get; init; }

    public required long DeliveredUnique { get; init; }

    /// <summary>Accepted requests whose <c>webhook-id</c> had been accepted before.</summary>
    public required long RepeatedIds { get; init; }

    /// <summary>Accepted deliveries of an event already delivered, whatever request carried it.</summary>
    public required long RepeatedEvents { get; init; }

    public required int Dids { get; init; }
}

/// <summary>Issue 12: one wire and stream profile, its ingest limit's name in <see cref="Results.Limits"/> and the pipeline.</summary>
internal sealed record WireResult(JetstreamWire Wire, StreamProfile Profile, string LimitName, ThroughputResult? Pipeline, string? Error);
