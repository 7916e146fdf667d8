namespace Jetstream.Bench.Pipeline;

/// <summary>What the subscriptions scenario measured (issue 11, "Scale, measured in bench/"); a missing part is null.</summary>
internal sealed record SubscriptionResults
{
    public required int Count { get; init; }

    public required int Silos { get; init; }

    /// <summary>From the first <c>POST /subscriptions</c> to the last 201, and to the emulator counting every socket.</summary>
    public TimeSpan CreateTime { get; init; }

    public TimeSpan ConnectedTime { get; init; }

    public int CreateConcurrency { get; init; }

    /// <summary><c>GET /subscriptions</c> with every subscription: time and answer size.</summary>
    public TimeSpan ListTime { get; init; }

    public TimeSpan ListAgainTime { get; init; }

    public long ListBytes { get; init; }

    /// <summary>The same hosts idle with only <c>default</c>, then idle with every subscription.</summary>
    public IdleWindow? Baseline { get; init; }

    public IdleWindow? Loaded { get; init; }

    public DeliveryCheck? Delivery { get; init; }

    public FailoverResult? Failover { get; init; }

    public NeighbourResult? Neighbour { get; init; }

    /// <summary>What went wrong, when a part could not be measured.</summary>
    public List<string> Errors { get; } = [];
}

/// <summary>An idle window: CPU per host, RSS per host at its end, storage requests through the counting proxy.</summary>
internal sealed record IdleWindow(double Seconds, List<HostUsage> Usage, Dictionary<string, long> RssBytes, StorageRequests Requests);

/// <summary>Every subscription's receiver path against what the emulator published in its collection.</summary>
internal sealed record DeliveryCheck(
    long Published,
    long Expected,
    long Delivered,
    long Missing,
    long Foreign,
    long Duplicates,
    int ExactSubscriptions,
    int Subscriptions,
    long Rejected);

internal sealed record FailoverResult(
    int HeldByVictim,
    int HeldBySurvivor,
    int StartsOnSurvivorAfter,
    TimeSpan SocketsClosed,
    TimeSpan? DeclaredDead,
    TimeSpan AllReading,
    bool Recovered,
    double FeedRate,
    DeliveryCheck Delivery);

internal sealed record NeighbourResult(double RatePerSubscription, double Seconds, LatencyRun Alone, LatencyRun WithHealthy, LatencyRun WithFailing, long FailingRequests, long FailingQueued, LatencyRun BesideBacklog, IReadOnlyList<BacklogProbeRow> AzuriteProbe);

internal sealed record BacklogProbeRow(int Backlog, double P50, double P99);

internal sealed record LatencyRun(long Expected, long Delivered, double P50, double P95, double P99, double Max);
