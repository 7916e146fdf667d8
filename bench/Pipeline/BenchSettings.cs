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

    public TimeSpan Warmup { get; init; } = TimeSpan.FromSeconds(15);

    public TimeSpan LimitDuration { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>The processor's queue sends in flight (Jetstream:MaxQueueSendsInFlight default).</summary>
    public int QueueSendsInFlight { get; init; } = 4;

    /// <summary>Events per message (Queue:MaxEventsPerMessage default).</summary>
    public int MaxEventsPerMessage { get; init; } = new Jetstream.EventQueue.QueueOptions().MaxEventsPerMessage;

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

    public bool RunMicro { get; init; } = true;

    /// <summary>Where the report goes; default docs/performance.md.</summary>
    public string? ReportPath { get; init; }

    public string CommandLine { get; init; } = "";

    public bool Quick { get; init; }

    /// <summary>Scenarios to run (firehose, seed, latency); empty = all. For experiments: the report then lacks the others.</summary>
    public string[] Only { get; init; } = [];

    /// <summary>Extra environment for the Silo (KEY=VALUE), to try a runtime setting; the report names it.</summary>
    public string[] SiloEnvironment { get; init; } = [];

    /// <summary>Extra environment for the WebhookConsumer (KEY=VALUE); the report names it.</summary>
    public string[] ConsumerEnvironment { get; init; } = [];

    /// <summary>Run Azurite with --inMemoryPersistence (no disk writes), to see how much of a figure is Azurite's own cost.</summary>
    public bool AzuriteInMemory { get; init; }

    public bool Runs(string scenario) => Only.Length == 0 || Only.Contains(scenario);

    /// <summary>
    /// Only the subscriptions scenario: the micro-benchmarks are skipped and its section replaces the one in the existing
    /// report, leaving the other scenarios' figures as their last run wrote them.
    /// </summary>
    public bool OnlySubscriptions => Only.Length > 0 && Only.All(o => o == "subscriptions");

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
                },
                "--no-micro" => settings with { RunMicro = false },
                "--azurite-in-memory" => settings with { AzuriteInMemory = true },
                "--only" => settings with { Only = [.. settings.Only, args[++i]] },
                "--silo-env" => settings with { SiloEnvironment = [.. settings.SiloEnvironment, args[++i]] },
                "--consumer-env" => settings with { ConsumerEnvironment = [.. settings.ConsumerEnvironment, args[++i]] },
                "--report" => settings with { ReportPath = args[++i] },
                "--subscriptions" => settings with { SubscriptionCount = int.Parse(args[++i], CultureInfo.InvariantCulture) },
                "--firehose-seconds" => settings with { FirehoseDuration = TimeSpan.FromSeconds(double.Parse(args[++i], CultureInfo.InvariantCulture)) },
                _ => throw new ArgumentException($"Unknown argument '{args[i]}'. Use --quick, --no-micro, --report PATH, --firehose-seconds N, --only SCENARIO (firehose, seed, latency, subscriptions), --subscriptions N, --silo-env KEY=VALUE, --consumer-env KEY=VALUE, --azurite-in-memory."),
            };
        }

        return settings;
    }
}
