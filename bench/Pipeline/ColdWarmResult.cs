namespace Jetstream.Bench.Pipeline;

/// <summary>
/// One cold-to-warm run on fresh hosts: the hosts' CPU from their start until the pipeline was up, then the feed's
/// first window (cold), the whole run, and its last window (warm).
/// </summary>
internal sealed record ColdWarmResult(
    string Mode, string Mix, string[] Settings, double SiloStartupCpu, double ConsumerStartupCpu, double StartupSeconds,
    ColdWarmWindow Cold, ColdWarmWindow Whole, ColdWarmWindow Warm, long BacklogAtEnd)
{
    /// <summary>Seconds of feed until the first <see cref="BenchSettings.FirstEvents"/> events were delivered (null: not reached).</summary>
    public double? FirstEventsSeconds { get; init; }

    /// <summary>The Silo's CPU seconds from its start until then: start-up plus the first events, however fast the machine let them go.</summary>
    public double? FirstEventsSiloCpu { get; init; }

    public double? FirstEventsConsumerCpu { get; init; }
}
