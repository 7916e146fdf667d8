using System.ComponentModel.DataAnnotations;

namespace Jetstream.Grains.Options;

/// <summary>The Jetstream subscription (section <c>Jetstream</c>). Checked at start by <see cref="JetstreamOptionsValidator"/>.</summary>
public sealed class JetstreamOptions
{
    public const string SectionName = "Jetstream";

    /// <summary>The four public v1 hosts, <c>jetstream1.us-west</c> first.</summary>
    public static readonly string[] PublicEndpoints =
    [
        "wss://jetstream1.us-west.bsky.network/subscribe",
        "wss://jetstream2.us-west.bsky.network/subscribe",
        "wss://jetstream1.us-east.bsky.network/subscribe",
        "wss://jetstream2.us-east.bsky.network/subscribe",
    ];

    public static readonly string[] DefaultCollections = ["work.doing.*", "blue.2048.*"];

    // The list settings start empty and get their defaults in PostConfigure (see AddJetstreamProcessor):
    // the configuration binder appends to a pre-filled array instead of replacing it.

    /// <summary>Subscribe URLs (<c>ws://</c> or <c>wss://</c>), tried in order; the next one is used after repeated failures.
    /// Default: <see cref="PublicEndpoints"/>.</summary>
    public string[] Endpoints { get; set; } = [];

    /// <summary>NSIDs or prefixes ending in <c>.*</c> (PROTOCOL.md §2.2). Default: <see cref="DefaultCollections"/>.</summary>
    public string[] WantedCollections { get; set; } = [];

    /// <summary>Subscribe to every collection (no <c>wantedCollections</c>); <see cref="WantedCollections"/> must then be empty.</summary>
    public bool AllCollections { get; set; }

    /// <summary>Repos to follow. Empty: every repo.</summary>
    public string[] WantedDids { get; set; } = [];

    /// <summary>Fills unset lists with their defaults.</summary>
    public void ApplyDefaults()
    {
        if (Endpoints.Length == 0)
        {
            Endpoints = PublicEndpoints;
        }

        if (WantedCollections.Length == 0 && !AllCollections)
        {
            WantedCollections = DefaultCollections;
        }
    }

    /// <summary>How far before the cursor a reconnect resumes, so a switch between instances misses nothing.</summary>
    [Range(0, 3600)]
    public int ReconnectRewindSeconds { get; set; } = 5;

    /// <summary>Largest frame assembled; larger frames are skipped and counted.</summary>
    [Range(64 * 1024, 256 * 1024 * 1024)]
    public int MaxFrameBytes { get; set; } = 4 * 1024 * 1024;

    /// <summary>A socket that answers no ping within this window is declared dead and replaced.</summary>
    [Range(2, 3600)]
    public int LivenessTimeoutSeconds { get; set; } = 60;

    [Range(1, 600)]
    public int ConnectTimeoutSeconds { get; set; } = 15;

    /// <summary>First reconnect delay; doubles per failed attempt up to <see cref="MaxBackoffMs"/>, with ±20 % jitter.</summary>
    [Range(1, 600_000)]
    public int InitialBackoffMs { get; set; } = 1000;

    [Range(1, 3_600_000)]
    public int MaxBackoffMs { get; set; } = 30_000;

    /// <summary>Consecutive failed attempts on one endpoint before failing over to the next.</summary>
    [Range(1, 1000)]
    public int FailoverAfterAttempts { get; set; } = 3;

    /// <summary>Wait after a handshake rejected with 4xx (a configuration error), instead of a hot retry loop.</summary>
    [Range(1, 86_400)]
    public int ConfigurationErrorRetrySeconds { get; set; } = 300;

    /// <summary>Persist the cursor at least after this many queued commits...</summary>
    [Range(1, 1_000_000)]
    public int CheckpointEveryCommits { get; set; } = 100;

    /// <summary>...and at least this often while events flow.</summary>
    [Range(50, 600_000)]
    public int CheckpointIntervalMs { get; set; } = 1000;

    /// <summary>Queue sends allowed in flight at once; the reader pauses when all are busy (backpressure).</summary>
    [Range(1, 64)]
    public int MaxQueueSendsInFlight { get; set; } = 4;

    /// <summary>Longest wait between retries of a failed queue write.</summary>
    [Range(10, 600_000)]
    public int MaxQueueRetryDelayMs { get; set; } = 5000;

    /// <summary>Period of the reminder that re-activates the processor on another silo when its silo dies
    /// (Orleans' minimum reminder period applies: one minute unless configured lower).</summary>
    [Range(1, 3600)]
    public int KeepAliveReminderSeconds { get; set; } = 60;

    /// <summary>
    /// How far back a replay may start: the servers' retention (PROTOCOL.md §2.4: 24 h by the legacy code's default,
    /// 36 h on v2), so the default is what every server keeps.
    /// </summary>
    [Range(1, 24 * 30)]
    public int ReplayWindowHours { get; set; } = 24;

    /// <summary>
    /// zstd on both wires (PROTOCOL.md §2.7, §3.3): v1 <c>compress=true</c> with the legacy dictionary, v2
    /// <c>zstdDictionary</c> with the endpoint's dictionary. About 55-65 % fewer bytes on the wire.
    /// </summary>
    public bool Compress { get; set; } = true;

    /// <summary>
    /// How long the servers keep events (PROTOCOL.md §2.4: 24 h by the legacy default, 36 h on v2). A v1 resume whose
    /// first event is later than the cursor by more than this was clamped by the server: it is recorded as a gap.
    /// </summary>
    [Range(1, 30 * 24 * 3600)]
    public int ServerRetentionSeconds { get; set; } = 24 * 3600;

    /// <summary>
    /// <c>Webhook:Body=raw</c> (read by the Silo, since only the producer sees the wire): queue what the wire carried,
    /// decompressed — on v2 the whole message frame — instead of the v1 event JSON. Set from configuration at start.
    /// </summary>
    public bool ForwardRawBody { get; set; }

    /// <summary>How often each silo checks that every enabled subscription is running (after a silo dies it checks at once).</summary>
    [Range(5, 3600)]
    public int ActivationSweepSeconds { get; set; } = 30;

    /// <summary>Start the default processor when the silo starts.</summary>
    public bool AutoStart { get; set; } = true;
}
