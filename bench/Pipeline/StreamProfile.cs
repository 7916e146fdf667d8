using Jetstream.Emulator;

namespace Jetstream.Bench.Pipeline;

/// <summary>
/// What the emulator generates for one scenario. The processor subscribes to <see cref="Wanted"/>, so every commit the
/// emulator sends matches and the rest are identity and account events (which no collection filter removes).
/// </summary>
internal sealed record StreamProfile(string Name, double CommitShare)
{
    public const int Seed = 42;

    public static readonly string[] Wanted = ["app.bsky.feed.post", "app.bsky.feed.like"];

    public static readonly StreamProfile Firehose = new("firehose", 1.0);

    public static readonly StreamProfile SeedProfile = new("seed", 0.05);

    public static readonly StreamProfile Latency = new("latency", 0.5);

    /// <summary>Issue 13's fault-free run: 45 % of the events are matching commits.</summary>
    public static readonly StreamProfile Duplicates = new("duplicates", 0.45);

    public GeneratorProfile ToGeneratorProfile() => new() { CommitShare = CommitShare, Collections = Wanted };

    public static StreamProfile Named(string name) => name switch
    {
        "firehose" => Firehose,
        "seed" => SeedProfile,
        "latency" => Latency,
        "duplicates" => Duplicates,
        _ => throw new ArgumentException($"Unknown profile '{name}'.", nameof(name)),
    };
}
