using System.ComponentModel.DataAnnotations;

namespace Jetstream.Emulator;

/// <summary>
/// Settings of section <c>Emulator</c>. <see cref="EventsPerSecond"/> and <see cref="DropEveryNEvents"/> are read on
/// every use, so a test (or <c>POST /control/rate</c>) may change them while the emulator runs.
/// </summary>
public sealed class EmulatorOptions : IValidatableObject
{
    public const string SectionName = "Emulator";

    /// <summary>In-process only: where <see cref="JetstreamEmulator.StartAsync"/> listens. The executable uses <c>--urls</c>.</summary>
    public string Urls { get; set; } = "http://127.0.0.1:0";

    /// <summary>
    /// Rate of the background feed. 0 = off; <see cref="double.PositiveInfinity"/> (<c>Infinity</c> in configuration)
    /// = as fast as the live subscribers take it: the feed waits for outbox room instead of overflowing it, and pauses
    /// while nobody is connected.
    /// </summary>
    [Range(0d, double.PositiveInfinity)]
    public double EventsPerSecond { get; set; }

    /// <summary>Per-connection queue of unsent events; when it is full the connection is closed without a close frame (§2.8).</summary>
    [Range(1, int.MaxValue)]
    public int OutboxCapacity { get; set; } = 50_000;

    /// <summary>How many published events are kept for cursor replay; the oldest are dropped beyond it (the server's TTL).</summary>
    [Range(1, int.MaxValue)]
    public int MaxLogEvents { get; set; } = 200_000;

    /// <summary>Close each connection abruptly after it has been sent this many events (0 = never).</summary>
    [Range(0, int.MaxValue)]
    public int DropEveryNEvents { get; set; }

    /// <summary>WebSocket ping interval (the real server pings every 30 s).</summary>
    [Range(typeof(TimeSpan), "00:00:00.010", "01:00:00")]
    public TimeSpan PingInterval { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>A connection whose client does not answer a ping within this time is aborted.</summary>
    [Range(typeof(TimeSpan), "00:00:00.010", "1.00:00:00")]
    public TimeSpan PongTimeout { get; set; } = TimeSpan.FromMinutes(10);

    /// <summary>Seed of the <see cref="EventGenerator"/> behind the background feed and <c>POST /control/publish</c>.</summary>
    public int Seed { get; set; } = 1;

    /// <summary>Share of generated events that are commits; the rest are identity and account events in equal parts.</summary>
    [Range(0d, 1d)]
    public double CommitShare { get; set; } = GeneratorProfile.DefaultCommitShare;

    /// <summary>Collections of generated commits (empty = a realistic network mix).</summary>
    public string[] Collections { get; set; } = [];

    /// <summary>Relative weights of <see cref="Collections"/> (empty = equal).</summary>
    public double[] CollectionWeights { get; set; } = [];

    /// <summary>How many distinct repositories the generator writes as.</summary>
    [Range(1, 10_000_000)]
    public int DidCount { get; set; } = GeneratorProfile.DefaultDidCount;

    /// <summary>When set, the feed replays this JSONL file (cycling) instead of generating events.</summary>
    public string? ReplayFile { get; set; }

    public GeneratorProfile ToGeneratorProfile() => new()
    {
        CommitShare = CommitShare,
        Collections = Collections,
        CollectionWeights = CollectionWeights,
        DidCount = DidCount,
    };

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (ReplayFile is { Length: > 0 } && !File.Exists(ReplayFile))
        {
            yield return new ValidationResult(
                $"{SectionName}:{nameof(ReplayFile)} '{ReplayFile}' does not exist (full path {Path.GetFullPath(ReplayFile)}).",
                [nameof(ReplayFile)]);
        }

        if (GeneratorProfile.Check(Collections, CollectionWeights) is { } problem)
        {
            yield return new ValidationResult($"{SectionName}:{problem}", [nameof(Collections)]);
        }
    }
}
