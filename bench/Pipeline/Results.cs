namespace Jetstream.Bench.Pipeline;

/// <summary>Everything one run measured; <see cref="Report"/> turns it into docs/performance.md.</summary>
internal sealed class Results
{
    public MachineInfo Machine { get; set; } = null!;

    public List<MicroResult> Micro { get; } = [];

    public string? MicroError { get; set; }

    public Dictionary<string, LimitResult> Limits { get; } = [];

    /// <summary>CPU use of the other hosts while a limit loop ran (the emulator for (a), Azurite for (b), the receiver for (c)).</summary>
    public Dictionary<string, List<HostUsage>> LimitUsage { get; } = [];

    public ThroughputResult? Firehose { get; set; }

    public ThroughputResult? Seed { get; set; }

    public LatencyResult? Latency { get; set; }

    public SubscriptionResults? Subscriptions { get; set; }

    /// <summary>Issue 18: the backfill rows.</summary>
    public List<BackfillRowResult> Backfill { get; } = [];

    /// <summary>Issue 12: each wire on the firehose and the seed profile.</summary>
    public List<WireResult> Wires { get; } = [];

    /// <summary>Issue 13: the firehose in batches (with its paced rows), and one event per request.</summary>
    public FirehoseDeliveryResult? Batched { get; set; }

    public FirehoseDeliveryResult? Single { get; set; }

    /// <summary>Issue 20: each delivery mode and event mix from fresh hosts, cold, whole and warm.</summary>
    public List<ColdWarmResult> ColdWarm { get; } = [];

    /// <summary>The published hosts' folder the run used (<c>--hosts</c>), or null for the build output.</summary>
    public string? HostsDirectory { get; set; }

    public SparseResult? Sparse { get; set; }

    public List<OutageResult> Outages { get; } = [];

    public DuplicatesResult? Duplicates { get; set; }

    /// <summary>A scenario that failed: its section says so instead of its figures.</summary>
    public Dictionary<string, string> Errors { get; } = [];

    /// <summary>/proc/loadavg at the start of each phase, to show what else ran on the machine.</summary>
    public List<(string Phase, string LoadAverage)> Load { get; } = [];

    public TimeSpan Total { get; set; }

    /// <summary>The Silo's GC mode, from its runtimeconfig.json and its image's environment.</summary>
    public string SiloGc { get; set; } = "";
}

internal sealed record MicroResult(string Case, double Nanoseconds, double AllocatedBytes);

internal sealed record ThroughputResult
{
    public required double Seconds { get; init; }

    /// <summary>The feed's rate in events/s (infinity: unpaced).</summary>
    public double OfferedPerSecond { get; init; } = double.PositiveInfinity;

    /// <summary>Accepted webhook requests per second (fewer than events when batched).</summary>
    public double RequestsPerSecond { get; init; }

    /// <summary>Bytes per event the grain received on the wire and once decoded (its <c>WireBytes</c>/<c>DecodedBytes</c> counters).</summary>
    public double WireBytesPerEvent { get; init; }

    public double DecodedBytesPerEvent { get; init; }

    /// <summary>
    /// Stream events that went by per second: the grain's frames on v1 (it receives every kind), the advance of its
    /// sequence cursor on v2 (the server sends only what was asked), and wire bytes per such event.
    /// </summary>
    public double StreamEventsPerSecond { get; init; }

    public double WireBytesPerStreamEvent { get; init; }

    /// <summary>The wire and compression the grain reported, e.g. <c>v2 zstd</c>.</summary>
    public string Wire { get; init; } = "";

    public required double ReceivedPerSecond { get; init; }

    public required double QueuedPerSecond { get; init; }

    public required double DeliveredPerSecond { get; init; }

    /// <summary>Lowest delivered rate over any 10 s of the window.</summary>
    public required double MinDelivered10s { get; init; }

    /// <summary>Delivered per second over each 5 s of the window, in order.</summary>
    public double[] DeliveredPer5s { get; init; } = [];

    /// <summary>Queue messages the processor wrote in the window, and the mean number of events each carried.</summary>
    public long QueueWrites { get; init; }

    public double EventsPerMessage { get; init; }

    /// <summary>
    /// The Silo's GC heap per generation (gen0, gen1, gen2, loh, poh), the largest size after a collection from the feed's
    /// start to the window's end, from its <c>dotnet.gc.last_collection.heap.size</c> metric.
    /// </summary>
    public IReadOnlyDictionary<string, long> SiloGcPeakBytes { get; init; } = new Dictionary<string, long>();

    public required long Duplicates { get; init; }

    /// <summary>Events queued but not yet delivered when the window ended (queued total minus delivered total).</summary>
    public required long BacklogAtEnd { get; init; }

    public required long SkippedIdentityAndAccount { get; init; }

    public required List<HostUsage> Usage { get; init; }

    /// <summary>The Silo's RSS once started and subscribed, before the feed starts.</summary>
    public required long SiloIdleRssBytes { get; init; }

    /// <summary>The events each host's CPU is divided by: delivered (firehose) or received by the grain (seed profile).</summary>
    public required long CostEvents { get; init; }
}

internal sealed record LatencyResult
{
    /// <summary>Mean events per queue message the processor wrote in the window.</summary>
    public double EventsPerMessage { get; init; }

    public required double OfferedPerSecond { get; init; }

    public required double Seconds { get; init; }

    public required long Delivered { get; init; }

    public required long Queued { get; init; }

    public required double P50 { get; init; }

    public required double P95 { get; init; }

    public required double P99 { get; init; }

    public required double Max { get; init; }

    public required double AfterIdleMs { get; init; }

    public required List<HostUsage> Usage { get; init; }

    public long CostEvents => Delivered;
}
