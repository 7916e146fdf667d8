namespace Jetstream.Emulator;

/// <summary>What an <see cref="EventGenerator"/> produces. The defaults resemble the real network.</summary>
public sealed class GeneratorProfile
{
    public const double DefaultCommitShare = 0.9;
    public const int DefaultDidCount = 500;

    /// <summary>The collections a full Jetstream shows most, weighted roughly like capture-152.jsonl.</summary>
    public static readonly IReadOnlyList<(string Collection, double Weight)> NetworkMix =
    [
        ("app.bsky.feed.like", 60),
        ("app.bsky.feed.post", 12),
        ("app.bsky.feed.repost", 10),
        ("app.bsky.graph.follow", 8),
        ("app.bsky.graph.block", 2),
        ("app.bsky.actor.profile", 2),
        ("app.bsky.graph.listitem", 2),
        ("app.bsky.feed.threadgate", 1),
        ("fm.teal.alpha.actor.status", 1),
        ("blue.2048.game", 1),
        ("work.doing.foo", 1),
    ];

    /// <summary>Share of events that are commits (0..1); identity and account events share the rest.</summary>
    public double CommitShare { get; init; } = DefaultCommitShare;

    /// <summary>Share of non-commit events that are identity events (the others are account events).</summary>
    public double IdentityShareOfRest { get; init; } = 0.5;

    /// <summary>Commit collections; empty = <see cref="NetworkMix"/>.</summary>
    public string[] Collections { get; init; } = [];

    /// <summary>Relative weights of <see cref="Collections"/>; empty = equal weights.</summary>
    public double[] CollectionWeights { get; init; } = [];

    /// <summary>Share of commits that update an existing record.</summary>
    public double UpdateShare { get; init; } = 0.03;

    /// <summary>Share of commits that delete a record (no record, no cid).</summary>
    public double DeleteShare { get; init; } = 0.07;

    /// <summary>
    /// Every text of a record has a non-ASCII character (the bench's mix where every event travels base64 in the queue).
    /// With only collections whose records carry text (posts) and no deletes, every event of the feed has one.
    /// </summary>
    public bool NonAsciiTextOnly { get; init; }

    /// <summary>How many distinct repositories write.</summary>
    public int DidCount { get; init; } = DefaultDidCount;

    /// <summary>Start of the generator's own clock, used for createdAt, TIDs and relay times so output is reproducible.</summary>
    public DateTimeOffset StartTime { get; init; } = new(2026, 5, 25, 14, 23, 0, TimeSpan.Zero);

    /// <summary>A description of what is wrong with a collection list, or null when it is usable.</summary>
    internal static string? Check(string[] collections, double[] weights)
    {
        if (weights.Length > 0 && weights.Length != collections.Length)
        {
            return $"CollectionWeights has {weights.Length} entries but Collections has {collections.Length}; give one weight per collection or none.";
        }

        if (weights.Any(w => !(w >= 0) || double.IsInfinity(w)) || (weights.Length > 0 && weights.Sum() <= 0))
        {
            return "CollectionWeights must be finite, non-negative and not all zero.";
        }

        return collections.FirstOrDefault(c => !AtprotoSyntax.IsNsid(c)) is { } bad
            ? $"Collections contains '{bad}', which is not an NSID (e.g. app.bsky.feed.post)."
            : null;
    }
}
