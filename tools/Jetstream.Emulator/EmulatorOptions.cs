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

    /// <summary>How many published events are kept for cursor replay; the oldest are dropped beyond it. Read on every use.</summary>
    [Range(1, int.MaxValue)]
    public int MaxLogEvents { get; set; } = 200_000;

    /// <summary>
    /// Events older than this are dropped from the log (the real servers' TTL: 24 h on v1, §2.4). Zero = no age limit.
    /// Read on every publish and connect, so a test can set it small to make a v1 gap, CursorTooOld or OutdatedCursor.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:00", "3650.00:00:00")]
    public TimeSpan Retention { get; set; } = TimeSpan.FromHours(24);

    /// <summary>
    /// A v2 connection this many events behind (its outbox full) is sent <c>ConsumerTooSlow</c> and closed ([V2]
    /// config.go: 100,000 behind the tip).
    /// </summary>
    [Range(1, int.MaxValue)]
    public int ConsumerTooSlowLag { get; set; } = 100_000;

    /// <summary>
    /// Behave as a v2 server's <c>/subscribe</c> (PROTOCOL.md §2.4, §3.2): each event carries <c>"cursor":seq</c>,
    /// a cursor below 1e15 is a seq, and a negative cursor is refused.
    /// </summary>
    public bool V2StyleSubscribe { get; set; }

    /// <summary>
    /// Folder holding the Jetstream zstd dictionaries (<c>zstd_dictionary</c>,
    /// <c>zstd_dictionary_v2_subscribeEvents_20260811</c>). Unset: <c>$JETSTREAM_SHARED/jetstream</c>, else
    /// <c>../shared/jetstream</c> beside the repository. Without them compressed requests are refused with a 400.
    /// </summary>
    public string? DictionaryDirectory { get; set; }

    /// <summary>The dictionary <c>subscribeEvents</c> and <c>getZstdDictionary</c> serve as current; others are "retired". Read per request.</summary>
    public uint V2DictionaryId { get; set; } = KnownZstdDictionary.SubscribeEvents20260811.Id;

    /// <summary>
    /// A misbehaving server for client tests: <c>getZstdDictionary</c> serves this dictionary while
    /// <c>subscribeEvents</c> accepts only <see cref="V2DictionaryId"/>, so a refetch does not help (null = the same).
    /// Read per request.
    /// </summary>
    public uint? GetZstdDictionaryId { get; set; }

    /// <summary>Close each connection abruptly after it has been sent this many events (0 = never).</summary>
    [Range(0, int.MaxValue)]
    public int DropEveryNEvents { get; set; }

    /// <summary>
    /// Send each message as WebSocket fragments of this many bytes (0 = whole), cut anywhere, even inside a UTF-8
    /// character or a zstd frame: real servers send whole messages, but a client must not depend on it. Read per frame.
    /// </summary>
    [Range(0, int.MaxValue)]
    public int FragmentBytes { get; set; }

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

    /// <summary>Share of generated commits that update an existing record.</summary>
    [Range(0d, 1d)]
    public double UpdateShare { get; set; } = new GeneratorProfile().UpdateShare;

    /// <summary>Share of generated commits that delete a record (a delete carries no record).</summary>
    [Range(0d, 1d)]
    public double DeleteShare { get; set; } = new GeneratorProfile().DeleteShare;

    /// <summary>Every generated text has a non-ASCII character (<see cref="GeneratorProfile.NonAsciiTextOnly"/>).</summary>
    public bool NonAsciiTextOnly { get; set; }

    /// <summary>When set, the feed replays this JSONL file (cycling) instead of generating events.</summary>
    public string? ReplayFile { get; set; }

    /// <summary>
    /// With <see cref="ReplayFile"/>: each pass over the file after the first gives every commit a new <c>rev</c>, so a
    /// looped capture is new commits with new event ids (a consumer of the feed would drop the same ids as replays).
    /// </summary>
    public bool ReplayNewRevs { get; set; }

    public GeneratorProfile ToGeneratorProfile() => new()
    {
        CommitShare = CommitShare,
        Collections = Collections,
        CollectionWeights = CollectionWeights,
        DidCount = DidCount,
        UpdateShare = UpdateShare,
        DeleteShare = DeleteShare,
        NonAsciiTextOnly = NonAsciiTextOnly,
    };

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (ReplayFile is { Length: > 0 } && !File.Exists(ReplayFile))
        {
            yield return new ValidationResult(
                $"{SectionName}:{nameof(ReplayFile)} '{ReplayFile}' does not exist (full path {Path.GetFullPath(ReplayFile)}).",
                [nameof(ReplayFile)]);
        }

        if (UpdateShare + DeleteShare > 1)
        {
            yield return new ValidationResult(
                $"{SectionName}:{nameof(UpdateShare)} ({UpdateShare}) plus {SectionName}:{nameof(DeleteShare)} ({DeleteShare}) is over 1.",
                [nameof(UpdateShare), nameof(DeleteShare)]);
        }

        foreach (var dictionaryProblem in CheckDictionaries())
        {
            yield return new ValidationResult(dictionaryProblem, [nameof(DictionaryDirectory)]);
        }

        if (GetZstdDictionaryId is { } served && KnownZstdDictionary.ById(served) is null)
        {
            yield return new ValidationResult(
                $"{SectionName}:{nameof(GetZstdDictionaryId)} {served} is not a known Jetstream dictionary ({string.Join(", ", KnownZstdDictionary.All.Select(d => d.Id))}).",
                [nameof(GetZstdDictionaryId)]);
        }

        if (KnownZstdDictionary.ById(V2DictionaryId) is null)
        {
            yield return new ValidationResult(
                $"{SectionName}:{nameof(V2DictionaryId)} {V2DictionaryId} is not a known Jetstream dictionary ({string.Join(", ", KnownZstdDictionary.All.Select(d => d.Id))}).",
                [nameof(V2DictionaryId)]);
        }

        if (GeneratorProfile.Check(Collections, CollectionWeights) is { } problem)
        {
            yield return new ValidationResult($"{SectionName}:{problem}", [nameof(Collections)]);
        }
    }

    /// <summary>A folder that was asked for must exist; a dictionary file that is there must be the right one.</summary>
    private IEnumerable<string> CheckDictionaries()
    {
        var directory = ZstdDictionaries.ResolveDirectory(DictionaryDirectory);
        if (!string.IsNullOrEmpty(DictionaryDirectory) && !Directory.Exists(directory))
        {
            yield return $"{SectionName}:{nameof(DictionaryDirectory)} '{DictionaryDirectory}' does not exist (full path {directory}).";
            yield break;
        }

        foreach (var known in KnownZstdDictionary.All)
        {
            var path = directory is null ? null : Path.Combine(directory, known.FileName);
            if (path is not null && File.Exists(path) && ZstdDictionary.TryLoad(path, known, out var error) is null)
            {
                yield return $"{SectionName}:{nameof(DictionaryDirectory)}: {error}";
            }
        }
    }
}
