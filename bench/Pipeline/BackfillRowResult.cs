namespace Jetstream.Bench.Pipeline;

/// <summary>
/// One row of issue 18's backfill bench: <see cref="Repos"/> repositories of <see cref="MatchingPerRepo"/> matching and
/// <see cref="OtherPerRepo"/> other records, timed from the backfill call to the last backfill delivery.
/// </summary>
internal sealed record BackfillRowResult(string Row, int Repos, int MatchingPerRepo, int OtherPerRepo, bool Live)
{
    public long Expected => (long)Repos * MatchingPerRepo;

    /// <summary>Backfill events the receiver accepted (signature checked), repeats included.</summary>
    public long Delivered { get; init; }

    /// <summary>Accepted requests whose <c>webhook-id</c> had been accepted before.</summary>
    public long DuplicateIds { get; init; }

    public long Rejected { get; init; }

    /// <summary>From the backfill call to the last backfill delivery.</summary>
    public double Seconds { get; init; }

    public double RecordsPerSecond => Seconds > 0 ? Delivered / Seconds : 0;

    public double ReposPerSecond => Seconds > 0 ? Repos / Seconds : 0;

    /// <summary>The job's own counts at the end (<c>GET …/backfill</c>): done, skipped, failed, and its state.</summary>
    public string JobStatus { get; init; } = "";

    /// <summary>getRepo requests the emulator answered (one per repository when nothing was retried).</summary>
    public long GetRepoRequests { get; init; }

    public List<HostUsage> Usage { get; init; } = [];

    /// <summary>The Silo's RSS just before the backfill call, and its peak (VmHWM, reset at the call) until the end.</summary>
    public long SiloRssBefore { get; init; }

    public long SiloPeakRss { get; init; }

    public long SiloPeakGrowth => Math.Max(0, SiloPeakRss - SiloRssBefore);

    /// <summary>Row d: live events (emitted → received) delivered while the backfill ran, and their rate.</summary>
    public Percentiles? LiveLatency { get; init; }

    public double LivePerSecond { get; init; }

    /// <summary>Row d: the live events' latency by the second they were published, against the job's steps.</summary>
    public BackfillLiveTimeline? LiveTimeline { get; init; }

    public TimeSpan Prebuild { get; init; }

    public bool FromKeptCache { get; init; }

    /// <summary>1-minute load average when the row started and when it ended.</summary>
    public string Load { get; init; } = "";

    /// <summary>Storage requests of the Silo, the Api and the consumer from the backfill call to the end (<see cref="CountingStorageProxy"/>).</summary>
    public StorageRequests Requests { get; init; }

    /// <summary>Their rate in the seconds before the call, with the hosts idle (checkpoints, polls, membership).</summary>
    public double IdleRequestsPerSecond { get; init; }

    /// <summary>Requests per repository, the idle rate over the row's seconds taken off.</summary>
    public double RequestsPerRepo => Repos > 0 ? Math.Max(0, Requests.Total - (IdleRequestsPerSecond * Seconds)) / Repos : 0;

    /// <summary>Why the row has no figures (or why they are short of <see cref="Expected"/>).</summary>
    public string? Error { get; init; }
}
