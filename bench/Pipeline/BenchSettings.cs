using System.Globalization;

namespace Jetstream.Bench.Pipeline;

/// <summary>Durations of the run. The defaults are the issue's; <c>--quick</c> shortens everything for a smoke run.</summary>
internal sealed record BenchSettings
{
    public TimeSpan FirehoseDuration { get; init; } = TimeSpan.FromSeconds(60);

    public TimeSpan SeedDuration { get; init; } = TimeSpan.FromSeconds(30);

    public TimeSpan LatencyDuration { get; init; } = TimeSpan.FromSeconds(60);

    public double LatencyRate { get; init; } = 200;

    public TimeSpan IdleBeforeProbe { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// Feed time before each unpaced window (<c>--warmup-seconds</c>). Longer shows the hosts' cost once tiered
    /// compilation has settled: 15 s after start it still takes a fifth of the Silo's CPU (docs/cpu-per-event.md).
    /// </summary>
    public TimeSpan Warmup { get; init; } = TimeSpan.FromSeconds(15);

    public TimeSpan LimitDuration { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>The processor's queue sends in flight (Jetstream:MaxQueueSendsInFlight default).</summary>
    public int QueueSendsInFlight { get; init; } = 4;

    /// <summary>Events per message (Queue:MaxEventsPerMessage default).</summary>
    public int MaxEventsPerMessage { get; init; } = new Jetstream.Storage.QueueOptions().MaxEventsPerMessage;

    /// <summary>The consumer's concurrency (Webhook:MaxConcurrency default).</summary>
    public int DeliveryConcurrency { get; init; } = 64;

    /// <summary>Subscriptions of the subscriptions scenario (issue 11: 200), on this many silos.</summary>
    public int SubscriptionCount { get; init; } = 200;

    public int SubscriptionSilos { get; init; } = 2;

    /// <summary>Wait before each idle window of the subscriptions scenario (start-up and creation settle), and the window.</summary>
    public TimeSpan SubscriptionSettle { get; init; } = TimeSpan.FromSeconds(20);

    public TimeSpan SubscriptionIdle { get; init; } = TimeSpan.FromSeconds(45);

    /// <summary>The healthy subscription's latency window, alone and beside a failing one, after a warm-up.</summary>
    public TimeSpan NeighbourDuration { get; init; } = TimeSpan.FromSeconds(45);

    public TimeSpan NeighbourWarmup { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>Issue 12: each wire's pipeline window after its warm-up (the Silo's cost per event is the figure).</summary>
    public TimeSpan WireDuration { get; init; } = TimeSpan.FromSeconds(15);

    public TimeSpan WireWarmup { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>Issue 13: the unpaced firehose windows (batched, one per request), then the paced windows of the batched run.</summary>
    public TimeSpan DeliveryDuration { get; init; } = TimeSpan.FromSeconds(40);

    public TimeSpan PacedDuration { get; init; } = TimeSpan.FromSeconds(20);

    public TimeSpan PacedWarmup { get; init; } = TimeSpan.FromSeconds(5);

    public double[] PacedRates { get; init; } = [1000, 5000];

    /// <summary>Issue 13 sparse: matching events one every <see cref="SparseInterval"/>, and the idle time before the first.</summary>
    public int SparseEvents { get; init; } = 120;

    public TimeSpan SparseInterval { get; init; } = TimeSpan.FromSeconds(0.5);

    public TimeSpan SparseIdle { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>Issue 13 outage: the feed's rate, how long it runs before the outage and after the receiver's return.</summary>
    public double OutageRate { get; init; } = 200;

    public TimeSpan OutageLead { get; init; } = TimeSpan.FromSeconds(5);

    public TimeSpan OutageTail { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>Longest wait for the last event after the feed stops (the issue saw 65 s before the circuit).</summary>
    public TimeSpan OutageDrainLimit { get; init; } = TimeSpan.FromSeconds(90);

    /// <summary>Only the clean outage (<c>--outage-clean-only</c>), for A/B runs of the drain; the report then lacks the run with failures.</summary>
    public bool OutageCleanOnly { get; init; }

    /// <summary>Issue 13 duplicates: 150 events/s, 45 % matching commits, for this long (2,700 matching events).</summary>
    public TimeSpan DuplicatesDuration { get; init; } = TimeSpan.FromSeconds(40);

    /// <summary>Issue 20: each cold-to-warm run's feed from fresh hosts, and its first (cold) and last (warm) window.</summary>
    public TimeSpan ColdWarmDuration { get; init; } = TimeSpan.FromSeconds(90);

    public TimeSpan ColdWindow { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>The cold-to-warm runs' fixed amount of work: each host's CPU from its start until this many events are delivered.</summary>
    public const int FirstEvents = 100_000;

    /// <summary>The cold-to-warm runs to make (<c>--coldwarm-mode batched|single</c>, <c>--coldwarm-mix capture|nonascii</c>); empty = all.</summary>
    public string[] ColdWarmModes { get; init; } = [];

    public string[] ColdWarmMixes { get; init; } = [];

    /// <summary>Issue 18's backfill rows (<c>--backfill-…</c>): repositories and records of rows a, b and d, the one large repository of row c.</summary>
    public int BackfillRepos { get; init; } = 10_000;

    public int BackfillMatching { get; init; } = 20;

    public int BackfillOther { get; init; } = 200;

    public int BackfillSmallMatching { get; init; } = 5;

    public int BackfillLargeRecords { get; init; } = 1_000_000;

    /// <summary>PDS hosts the repositories are spread over, so <c>Backfill:MaxConcurrentPerHost</c> (4) limits as well as the global 32.</summary>
    public int BackfillPdsHosts { get; init; } = 8;

    /// <summary>Row d: live matching commits per second (Jetstream emulator, DIDs not under backfill).</summary>
    public double BackfillLiveRate { get; init; } = 50;

    /// <summary>The longest wait for one row's last delivery.</summary>
    public TimeSpan BackfillTimeout { get; init; } = TimeSpan.FromMinutes(20);

    /// <summary>Rows of the backfill scenario to run (a, b, c, d); empty = all.</summary>
    public string[] BackfillRows { get; init; } = [];

    public bool RunMicro { get; init; } = true;

    /// <summary>Where the report goes; default docs/performance.md.</summary>
    public string? ReportPath { get; init; }

    /// <summary>Where every child process's output is kept, one stamped file each (<c>--keep-logs DIR</c>); null = in memory only.</summary>
    public string? KeepLogs { get; init; }

    public string CommandLine { get; init; } = "";

    public bool Quick { get; init; }

    /// <summary>Scenarios to run (firehose, seed, latency); empty = all. For experiments: the report then lacks the others.</summary>
    public string[] Only { get; init; } = [];

    /// <summary>Extra environment for the Silo (KEY=VALUE), to try a runtime setting; the report names it.</summary>
    public string[] SiloEnvironment { get; init; } = [];

    /// <summary>Extra environment for the WebhookConsumer (KEY=VALUE); the report names it.</summary>
    public string[] ConsumerEnvironment { get; init; } = [];

    /// <summary>Published hosts to run (<c>--hosts DIR</c>, see <see cref="RepoLayout.HostsDirectory"/>); null = the build output.</summary>
    public string? HostsDirectory { get; init; }

    /// <summary>Run Azurite with --inMemoryPersistence (no disk writes), to see how much of a figure is Azurite's own cost.</summary>
    public bool AzuriteInMemory { get; init; }

    /// <summary>Scenarios whose report section stands alone: run by themselves, each replaces only its own section.</summary>
    public static readonly string[] SectionScenarios = ["subscriptions", "wires", "batched", "single", "coldwarm", "sparse", "outage", "duplicates", "backfill"];

    public static readonly string[] AllScenarios = ["firehose", "seed", "latency", .. SectionScenarios];

    /// <summary>Scenarios left out of the run (<c>--skip</c>); their sections of the report stay as their last run wrote them.</summary>
    public string[] Skip { get; init; } = [];

    public bool Runs(string scenario) => (Only.Length == 0 || Only.Contains(scenario)) && !Skip.Contains(scenario);

    /// <summary>
    /// Only scenarios with sections of their own: the micro-benchmarks are skipped (but for the wires' decoding rows) and
    /// their sections replace the ones in the existing report, leaving the other scenarios' figures as their last run wrote them.
    /// </summary>
    public bool OnlySections => Only.Length > 0 && Only.All(SectionScenarios.Contains);

    public static BenchSettings Parse(string[] args)
    {
        var settings = new BenchSettings { CommandLine = string.Join(' ', args) };
        for (var i = 0; i < args.Length; i++)
        {
            settings = args[i] switch
            {
                "--quick" => settings with
                {
                    Quick = true,
                    FirehoseDuration = TimeSpan.FromSeconds(15),
                    SeedDuration = TimeSpan.FromSeconds(10),
                    LatencyDuration = TimeSpan.FromSeconds(15),
                    IdleBeforeProbe = TimeSpan.FromSeconds(5),
                    Warmup = TimeSpan.FromSeconds(3),
                    LimitDuration = TimeSpan.FromSeconds(5),
                    SubscriptionCount = 20,
                    SubscriptionSettle = TimeSpan.FromSeconds(5),
                    SubscriptionIdle = TimeSpan.FromSeconds(10),
                    NeighbourDuration = TimeSpan.FromSeconds(10),
                    NeighbourWarmup = TimeSpan.FromSeconds(5),
                    WireDuration = TimeSpan.FromSeconds(6),
                    WireWarmup = TimeSpan.FromSeconds(3),
                    DeliveryDuration = TimeSpan.FromSeconds(10),
                    PacedDuration = TimeSpan.FromSeconds(6),
                    PacedWarmup = TimeSpan.FromSeconds(2),
                    SparseEvents = 8,
                    SparseIdle = TimeSpan.FromSeconds(10),
                    OutageDrainLimit = TimeSpan.FromSeconds(45),
                    DuplicatesDuration = TimeSpan.FromSeconds(12),
                    ColdWarmDuration = TimeSpan.FromSeconds(30),
                    ColdWindow = TimeSpan.FromSeconds(10),
                    BackfillRepos = 500,
                    BackfillLargeRecords = 100_000,
                },
                "--no-micro" => settings with { RunMicro = false },
                "--outage-clean-only" => settings with { OutageCleanOnly = true },
                "--azurite-in-memory" => settings with { AzuriteInMemory = true },
                "--only" => settings with { Only = [.. settings.Only, Scenario(args[++i])] },
                "--skip" => settings with { Skip = [.. settings.Skip, Scenario(args[++i])] },
                "--silo-env" => settings with { SiloEnvironment = [.. settings.SiloEnvironment, args[++i]] },
                "--consumer-env" => settings with { ConsumerEnvironment = [.. settings.ConsumerEnvironment, args[++i]] },
                "--report" => settings with { ReportPath = args[++i] },
                "--hosts" => settings with { HostsDirectory = args[++i] },
                "--keep-logs" => settings with { KeepLogs = args[++i] },
                "--subscriptions" => settings with { SubscriptionCount = int.Parse(args[++i], CultureInfo.InvariantCulture) },
                "--firehose-seconds" => settings with { FirehoseDuration = TimeSpan.FromSeconds(double.Parse(args[++i], CultureInfo.InvariantCulture)) },
                "--coldwarm-mode" => settings with { ColdWarmModes = [.. settings.ColdWarmModes, OneOf(args[++i], "batched", "single")] },
                "--coldwarm-mix" => settings with { ColdWarmMixes = [.. settings.ColdWarmMixes, OneOf(args[++i], "capture", "nonascii")] },
                "--coldwarm-seconds" => settings with { ColdWarmDuration = TimeSpan.FromSeconds(double.Parse(args[++i], CultureInfo.InvariantCulture)) },
                "--backfill-repos" => settings with { BackfillRepos = Positive(args[++i], "--backfill-repos") },
                "--backfill-records" => settings with { BackfillMatching = Positive(args[++i], "--backfill-records") },
                "--backfill-other-records" => settings with { BackfillOther = int.Parse(args[++i], CultureInfo.InvariantCulture) },
                "--backfill-small-records" => settings with { BackfillSmallMatching = Positive(args[++i], "--backfill-small-records") },
                "--backfill-large-records" => settings with { BackfillLargeRecords = Positive(args[++i], "--backfill-large-records") },
                "--backfill-pds-hosts" => settings with { BackfillPdsHosts = Positive(args[++i], "--backfill-pds-hosts") },
                "--backfill-live-rate" => settings with { BackfillLiveRate = Positive(args[++i], "--backfill-live-rate") },
                "--backfill-row" => settings with { BackfillRows = [.. settings.BackfillRows, OneOf(args[++i], "a", "b", "c", "d")] },
                "--warmup-seconds" => settings with { Warmup = TimeSpan.FromSeconds(double.Parse(args[++i], CultureInfo.InvariantCulture)) },
                _ => throw new ArgumentException($"Unknown argument '{args[i]}'. Use --quick, --no-micro, --report PATH, --firehose-seconds N, --warmup-seconds N, --coldwarm-seconds N, --coldwarm-mode batched|single, --coldwarm-mix capture|nonascii, --backfill-repos N, --backfill-records N, --backfill-other-records N, --backfill-small-records N, --backfill-large-records N, --backfill-pds-hosts N, --backfill-live-rate N, --backfill-row a|b|c|d, --only SCENARIO ({string.Join(", ", AllScenarios)}), --skip SCENARIO, --subscriptions N, --silo-env KEY=VALUE, --consumer-env KEY=VALUE, --hosts DIR, --keep-logs DIR, --azurite-in-memory, --outage-clean-only."),
            };
        }

        return settings;
    }

    private static int Positive(string value, string flag) =>
        int.TryParse(value, NumberStyles.Integer, CultureInfo.InvariantCulture, out var n) && n > 0 ? n : throw new ArgumentException($"{flag} '{value}' must be a whole number above 0.");

    private static string OneOf(string value, params string[] allowed) =>
        allowed.Contains(value) ? value : throw new ArgumentException($"'{value}' is not one of {string.Join(", ", allowed)}.");

    private static string Scenario(string name) =>
        AllScenarios.Contains(name) ? name : throw new ArgumentException($"Unknown scenario '{name}'; one of {string.Join(", ", AllScenarios)}.");
}
