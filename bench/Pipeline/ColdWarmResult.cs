namespace Jetstream.Bench.Pipeline;

/// <summary>
/// One cold-to-warm run on fresh hosts: the hosts' CPU from their start until the pipeline was up, then the feed's
/// first window (cold), the whole run, and its last window (warm).
/// </summary>
internal sealed record ColdWarmResult(
    string Mode, string Mix, string[] Settings, double SiloStartupCpu, double ConsumerStartupCpu, double StartupSeconds,
    ColdWarmWindow Cold, ColdWarmWindow Whole, ColdWarmWindow Warm, long BacklogAtEnd);
