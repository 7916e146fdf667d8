using Jetstream.Emulator;

namespace Jetstream.Bench.Pipeline;

/// <summary>
/// What the emulator generates for one scenario. The processor subscribes to <see cref="Wanted"/>, so every commit the
/// emulator sends matches and the rest are identity and account events (which no collection filter removes).
/// </summary>
/// <param name="EmulatorArguments">More settings of the emulator (<c>--Emulator:…</c>): another event mix.</param>
/// <param name="AllCollections">The processor takes every collection (the capture's mix) instead of <see cref="Wanted"/>.</param>
internal sealed record StreamProfile(string Name, double CommitShare, string[]? EmulatorArguments = null, bool AllCollections = false)
{
    public const int Seed = 42;

    public static readonly string[] Wanted = ["app.bsky.feed.post", "app.bsky.feed.like"];

    public static readonly StreamProfile Firehose = new("firehose", 1.0);

    public static readonly StreamProfile SeedProfile = new("seed", 0.05);

    public static readonly StreamProfile Latency = new("latency", 0.5);

    /// <summary>Issue 13's fault-free run: 45 % of the events are matching commits.</summary>
    public static readonly StreamProfile Duplicates = new("duplicates", 0.45);

    /// <summary>
    /// Issue 20's real mix: capture-152.jsonl (150 commits of 9 collections, 7 of the 152 lines with non-ASCII text)
    /// looped, each pass with new revs so its events are new ones; the processor takes every collection.
    /// </summary>
    public static StreamProfile Capture(RepoLayout layout) =>
        new("capture", 1.0, [$"--Emulator:ReplayFile={layout.Capture152}", "--Emulator:ReplayNewRevs=true"], AllCollections: true);

    /// <summary>Issue 20's synthetic mix: posts only, every text with a non-ASCII character, so every event travels base64 in the queue.</summary>
    public static readonly StreamProfile NonAscii = new(
        "nonascii", 1.0, ["--Emulator:NonAsciiTextOnly=true", "--Emulator:UpdateShare=0", "--Emulator:DeleteShare=0", "--Emulator:Collections:0=app.bsky.feed.post"]);

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
