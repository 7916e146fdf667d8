using System.Globalization;

namespace Jetstream.Bench.Pipeline;

/// <summary>The "Backfill" section of docs/performance.md (issue 18's bench rows); <c>--only backfill</c> replaces just this section.</summary>
internal sealed class BackfillReport(Results results, BenchSettings settings) : SectionWriter(results, settings)
{
    public const string Heading = "## Backfill (issue 18)";

    public string ToMarkdown(bool standalone)
    {
        if (Results.Backfill.Count == 0)
        {
            return "";
        }

        Header(Heading, standalone, phase => phase.StartsWith("backfill", StringComparison.Ordinal));
        Line("Per row, new processes: the AT Protocol emulator (`tools/Atproto.Emulator`: PLC, relay and " +
             $"{Settings.BackfillPdsHosts} PDS hosts, repositories signed k256 and p256, built before the clock starts), a Jetstream emulator, " +
             "one Silo, the Api and a WebhookConsumer (Release builds, as deployed: Azure Table clustering on Azurite) and the receiver " +
             "in the bench process, which checks every signature. One subscription (`app.bsky.feed.post`) with batched webhooks " +
             $"(`batchMaxEvents` {DeliveryFeatures.BatchEvents}); `POST /subscriptions/{{id}}/backfill` through the Api, timed to the last " +
             "backfill event received. The Silo's backfill settings are its defaults (`MaxConcurrentRepos` 32, `MaxConcurrentPerHost` 4).");
        Line();
        Table(["Row", "Measured", "Target", "Met"], Results.Backfill.Select(r => new[] { Shape(r), Measured(r), Target(r), Met(r) }));

        Table(["Row", "Delivered", "Seconds", "Job at the end", "getRepo", "Duplicate ids", "Rejected", "Repositories ready", "Load (1 min)"],
            Results.Backfill.Select(r => new[]
            {
                r.Row, $"{r.Delivered:N0} of {r.Expected:N0}", F1(r.Seconds), r.JobStatus, r.GetRepoRequests.ToString("N0", CultureInfo.InvariantCulture),
                r.DuplicateIds.ToString(CultureInfo.InvariantCulture), r.Rejected.ToString(CultureInfo.InvariantCulture),
                $"{r.Prebuild.TotalSeconds:F0} s{(r.FromKeptCache ? " (kept on disk)" : " (built)")}", r.Load,
            }));

        Line("CPU from `/proc/<pid>/stat` over the row (the backfill call to its last delivery), per backfilled record delivered; peak RSS is VmHWM.");
        Line();
        Table(["Row", "Host", "CPU s", "CPU", "CPU µs per record", "Peak RSS MiB"],
            Results.Backfill.Where(r => r.Usage.Count > 0).SelectMany(r => r.Usage.Select(u => new[]
            {
                r.Row, u.Host, F1(u.CpuSeconds), $"{u.CpuPercent:F0} %", F0(r.Delivered > 0 ? u.CpuSeconds * 1e6 / r.Delivered : double.NaN),
                F0(u.PeakRssBytes / 1048576.0),
            })));

        foreach (var r in Results.Backfill.Where(r => r.Usage.Count > 0 && r.Delivered > 0))
        {
            Line($"- **Row {r.Row}**: {CpuBound(r.Usage, r.Delivered)}.");
            if (r.LiveTimeline is { } timeline)
            {
                Line($"- **Row {r.Row}'s live events**: {timeline.Summary()}.");
            }
        }

        Line();
        Line("Storage requests of the Silo, the Api and the WebhookConsumer (`CountingStorageProxy` in front of Azurite) from the call " +
             "to the last delivery, per repository; net takes off the hosts' idle rate (checkpoints, polls, membership) measured in the 3 s before the call.");
        Line();
        Table(["Row", "Blob", "Queue", "Table", "All", "Idle per s", "Per repository (net)"],
            Results.Backfill.Where(r => r.Usage.Count > 0 && r.Repos > 0).Select(r => new[]
            {
                r.Row, r.Requests.Blob.ToString("N0", CultureInfo.InvariantCulture), r.Requests.Queue.ToString("N0", CultureInfo.InvariantCulture),
                r.Requests.Table.ToString("N0", CultureInfo.InvariantCulture), r.Requests.Total.ToString("N0", CultureInfo.InvariantCulture),
                F1(r.IdleRequestsPerSecond), r.RequestsPerRepo.ToString("F2", CultureInfo.InvariantCulture),
            }));

        if (Results.Backfill.FirstOrDefault(r => r.Row == "c" && r.Usage.Count > 0) is { } large
            && Results.Backfill.FirstOrDefault(r => r.Row == "b" && r.Usage.Count > 0) is { } small)
        {
            Line($"- **Row c against row b**: the Silo grew {large.SiloPeakGrowth / 1e6:N0} MB for one repository of {large.MatchingPerRepo:N0} records and " +
                 $"{small.SiloPeakGrowth / 1e6:N0} MB for {small.Repos:N0} repositories of {small.MatchingPerRepo} records: most of the growth is the Silo's " +
                 "first backfill (its HTTP and storage clients, the code jitted, the GC's budgets), not the repository's size; the size's part is " +
                 $"about the difference, {(large.SiloPeakGrowth - small.SiloPeakGrowth) / 1e6:N0} MB (docs/backfill.md: the repair index streams in and out, 46 bytes a record in storage).");
        }

        Line();
        Line("Changes for issue 18's bench in the code measured here:");
        Line();
        Line("- The job starts the next DID lookup, and the repository whose PDS it found, as soon as a lookup ends; it waited for " +
             "its 1 s tick, which held a job to `Backfill:ResolveConcurrency` (8) repositories a second (row b at 500 repositories: " +
             "7.7 repositories/s before, 36 after, both on a machine loaded by other work) (Grains/Backfill/BackfillJobGrain.cs).");
        Line("- A repository's messages, once shown, wake the consumers through the subscription's processor " +
             "(`IJetstreamProcessorGrain.QueueWrittenElsewhere`, one-way, the processor's `QueueWriteWatchers`), as the processor's own " +
             "writes do; before, a consumer whose queue had been empty found them at its idle poll (`WakeOnWrite:IdlePollInterval`, 5 s) " +
             "(Grains/Backfill/RepositoryBackfill.cs, Grains/JetstreamProcessorGrain.cs).");
        Line("- Storage requests per repository, all on Azurite's one node thread here (docs/backfill.md has the table): the repair " +
             "index's row and the job's outcome row, each gathered with other repositories' into transactions; a queue send shared by " +
             "the repositories gathered into one message; the hand-over's mark and set row, gathered; the consumer's receive and delete " +
             "of each message. A repository of few records costs Azurite about a millisecond of CPU: row b is bound by requests per " +
             "repository, not by records.");
        Line();
        Line("```bash");
        Line("dotnet build bench/Pipeline -c Release");
        Line("dotnet run -c Release --project bench/Pipeline -- --no-micro --only backfill                      # the issue's scale");
        Line("dotnet run -c Release --project bench/Pipeline -- --no-micro --only backfill --quick              # 500 repositories, a 100,000-record one");
        Line("dotnet run -c Release --project bench/Pipeline -- --no-micro --only backfill --backfill-row a --backfill-repos 2000");
        Line("```");
        Line();
        Line("Flags: `--backfill-repos`, `--backfill-records` (matching per repository, rows a and d), `--backfill-other-records`, " +
             "`--backfill-small-records` (row b), `--backfill-large-records` (row c), `--backfill-pds-hosts`, `--backfill-live-rate`, " +
             "`--backfill-row a|b|c|d` (repeatable). Built repositories are kept under `$TMPDIR/jetstream-bench/atproto-…` (a folder per " +
             "seed, accounts and records), so the second run of a shape starts at once; delete the folder to build again.");
        Line();
        return Text();
    }

    private static string Shape(BackfillRowResult r) => r.Row switch
    {
        "c" => $"c: one repository of {r.MatchingPerRepo:N0} records (all matching)",
        _ => $"{r.Row}: {r.Repos:N0} repositories × ({r.MatchingPerRepo:N0} matching + {r.OtherPerRepo:N0} other){(r.Live ? ", live events beside it" : "")}",
    };

    private static string Measured(BackfillRowResult r)
    {
        if (r.Usage.Count == 0)
        {
            return "not measured: " + r.Error;
        }

        var cpu = $"Silo {F0(PerEvent(r.Usage, r.Delivered, "Silo 1"))} µs, consumer {F0(PerEvent(r.Usage, r.Delivered, "WebhookConsumer"))} µs of CPU per record";
        var text = r.Row switch
        {
            "a" => $"{r.RecordsPerSecond:N0} matching records/s; {cpu}",
            "b" => $"{r.ReposPerSecond:N0} repositories/s ({r.RecordsPerSecond:N0} records/s); {cpu}",
            "c" => $"Silo peak RSS {r.SiloPeakGrowth / 1e6:N0} MB above its {r.SiloRssBefore / 1e6:N0} MB before the call ({r.RecordsPerSecond:N0} records/s)",
            _ => r.LiveLatency is { Count: > 0 } live
                ? $"live p99 {live.P99:N0} ms (p50 {live.P50:N0}, max {live.Max:N0}; {live.Count:N0} live events, {r.LivePerSecond:N0}/s) beside {r.RecordsPerSecond:N0} backfilled records/s"
                : "no live event delivered",
        };
        return r.Error is null ? text : $"{text} (**{r.Error}**)";
    }

    private string Target(BackfillRowResult r) => r.Row switch
    {
        "a" => "≥ 20,000 records/s",
        "b" => "≥ 300 repositories/s",
        "c" => "≤ 200 MB",
        _ => $"p99 ≤ 1 s at {Settings.BackfillLiveRate:N0} live events/s",
    };

    private static string Met(BackfillRowResult r)
    {
        var issueShape = r.Row switch
        {
            "a" or "d" => r is { Repos: 10_000, MatchingPerRepo: 20, OtherPerRepo: 200 },
            "b" => r is { Repos: 10_000, MatchingPerRepo: 5 },
            _ => r.MatchingPerRepo >= 1_000_000,
        };
        if (r.Usage.Count == 0 || r.Error is not null)
        {
            return Met(null, r.Error ?? "");
        }

        if (!issueShape)
        {
            return "not the issue's scale";
        }

        return Met(r.Row switch
        {
            "a" => r.RecordsPerSecond >= 20_000,
            "b" => r.ReposPerSecond >= 300,
            "c" => r.SiloPeakGrowth <= 200_000_000,
            _ => r.LiveLatency is { Count: > 0 } live && live.P99 <= 1000,
        });
    }
}
