using System.Text.Json;
using Jetstream.WebhookReceiver;

namespace Jetstream.Bench.Pipeline;

/// <summary>
/// Issue 18's backfill rows (<c>--only backfill</c>). Per row, new processes: the AT Protocol emulator (PLC, relay,
/// several PDS hosts, repositories prebuilt), a Jetstream emulator (the live side), one Silo, the Api and a
/// WebhookConsumer as deployed (<see cref="SubscriptionCluster"/>), and the receiver in this process, which checks every
/// signature and counts the backfill's events (<c>"live":false</c>) apart from live ones. One subscription with batched
/// webhooks; the backfill is started through the Api and timed to its last delivery.
/// </summary>
internal sealed class BackfillScenario(BenchContext context)
{
    private const string Collection = "app.bsky.feed.post";
    private static readonly TimeSpan Quiet = TimeSpan.FromSeconds(20);

    /// <summary>The live side: commits of the subscription's collection only, by the Jetstream emulator's own DIDs (none under backfill).</summary>
    private static readonly StreamProfile LiveProfile = new("backfill-live", 1.0, [$"--Emulator:Collections:0={Collection}"]);

    private BenchSettings Settings => context.Settings;

    public async Task RunAsync(Azurite azurite)
    {
        var s = Settings;
        BackfillRowResult[] rows =
        [
            new("a", s.BackfillRepos, s.BackfillMatching, s.BackfillOther, Live: false),
            new("b", s.BackfillRepos, s.BackfillSmallMatching, 0, Live: false),
            new("c", 1, s.BackfillLargeRecords, 0, Live: false),
            new("d", s.BackfillRepos, s.BackfillMatching, s.BackfillOther, Live: true),
        ];
        foreach (var row in rows.Where(r => s.BackfillRows.Length == 0 || s.BackfillRows.Contains(r.Row)))
        {
            try
            {
                context.Results.Backfill.Add(await RunRowAsync(azurite, row));
            }
            catch (Exception ex) when (!azurite.Process.HasExited)
            {
                BenchContext.Log($"backfill {row.Row} failed: {ex}");
                context.Results.Backfill.Add(row with { Error = ex.Message.Split('\n')[0] });
            }
        }
    }

    private async Task<BackfillRowResult> RunRowAsync(Azurite azurite, BackfillRowResult row)
    {
        context.Phase($"backfill {row.Row}: {row.Repos:N0} repositories × ({row.MatchingPerRepo:N0} matching + {row.OtherPerRepo:N0} other){(row.Live ? $", {Settings.BackfillLiveRate:N0} live/s" : "")}");
        var loadBefore = MachineInfo.LoadAverage().Split(' ')[0];
        await using var network = await AtprotoNetwork.StartAsync(context.Layout, row.Repos, row.MatchingPerRepo, row.OtherPerRepo, Settings.BackfillPdsHosts, Collection);
        BenchContext.Log($"backfill {row.Row}: repositories ready in {network.Prebuild.TotalSeconds:F1} s{(network.FromKeptCache ? " (kept from an earlier run)" : "")}");
        await using var jetstream = await ScenarioStack.StartEmulatorAsync(context.Layout, azurite, LiveProfile);
        // Tracked: each live event's first arrival by when it was published, for row d's timeline (a few thousand events).
        await using var receiver = await BenchReceivers.EventsAsync(trackEvents: row.Live, splitBackfill: true);
        // A subscription and tables of this row's own: the repair index is keyed by subscription and DID, and every row's
        // network has the same DIDs (seed 1), so a shared one would make a later row a repair of an earlier one.
        var run = Guid.NewGuid().ToString("N")[..8];
        var subscriptionId = "bench-backfill-" + run;
        var clusterSettings = Settings with
        {
            SiloEnvironment = [.. network.SiloEnvironment, $"Backfill__RepoTable=bfrepos{run}", $"Backfill__DeliveredContainer=bfdelivered{run}", $"Backfill__DeliveredTable=bfdelivered{run}", .. Settings.SiloEnvironment],
        };
        // Every storage request of the Silo, the Api and the consumer goes through the counting proxy (the requests per
        // repository, issue 18's bound on this machine).
        await using var proxy = CountingStorageProxy.Start(azurite.ConnectionString);
        await using var cluster = await SubscriptionCluster.StartAsync(context.Layout, clusterSettings, proxy.ConnectionString, jetstream.Control, 1, receiver.Url);
        await cluster.CreateBatchedAsync(subscriptionId, Collection, receiver.Url, DeliveryFeatures.BatchEvents);
        if (row.Live)
        {
            await jetstream.Control.SetRateAsync(Settings.BackfillLiveRate);
        }

        // The subscription's processor connects and the consumer finds the new queue before the clock starts; the last
        // seconds of it are the idle rate of requests (checkpoints, polls, membership), taken off the row's count.
        await Task.Delay(TimeSpan.FromSeconds(2));
        var idleFrom = proxy.Requests;
        var idleWatch = System.Diagnostics.Stopwatch.StartNew();
        await Task.Delay(TimeSpan.FromSeconds(3));
        var idle = proxy.Requests - idleFrom;
        var idleSeconds = idleWatch.Elapsed.TotalSeconds;
        receiver.Reset();
        var silo = cluster.Silos[0];
        var rssBefore = silo.Sample().RssBytes;
        silo.ResetPeakRss();
        var window = UsageWindow.Start(
        [
            .. cluster.Hosts(),
            ("Azurite (node)", azurite.Process.Sample),
            ("AT Protocol emulator", network.Process.Sample),
            ("Jetstream emulator", jetstream.Emulator.Sample),
            ("Bench process (receiver)", () => ProcSample.Read(Environment.ProcessId)),
        ]);
        foreach (var (_, fragment) in BackfillLiveTimeline.LoggedSteps)
        {
            silo.CountLines(fragment);
        }

        var steps = new Dictionary<string, DateTime>();
        var started = DateTime.UtcNow;
        var requestsFrom = proxy.Requests;
        await cluster.StartBackfillAsync(subscriptionId);
        var (status, error) = await WaitForEndAsync(cluster, subscriptionId, receiver, row, started, () => NoteSteps(silo, steps));
        var last = receiver.Events.LastBackfillArrival ?? DateTime.UtcNow;
        var requests = proxy.Requests - requestsFrom;
        var live = Percentiles.Of(receiver.Events.LatencyMillis());
        var timeline = row.Live ? BackfillLiveTimeline.Of(receiver.Events.FirstArrivals(), started, steps.Select(s => (s.Key, s.Value)).OrderBy(s => s.Value)) : null;
        var livePerSecond = live.Count / Math.Max(0.001, (last - started).TotalSeconds);
        if (row.Live)
        {
            await jetstream.Control.SetRateAsync(0);
        }

        if (error is not null)
        {
            BenchContext.Log($"backfill {row.Row}: {error}; the Silo's last output:\n{silo.Tail(30)}\nthe consumer's:\n{cluster.Consumer.Tail(30)}");
        }

        var usage = window.Stop();
        var counts = receiver.Stats;
        var stats = await network.StatsAsync();
        var result = row with
        {
            Delivered = receiver.Events.BackfillEvents,
            DuplicateIds = counts.Duplicates,
            Rejected = counts.Rejected,
            Seconds = (last - started).TotalSeconds,
            JobStatus = status,
            GetRepoRequests = stats.GetProperty("dids").EnumerateArray().Sum(d => d.GetProperty("getRepo").GetInt64()),
            Usage = usage,
            SiloRssBefore = rssBefore,
            SiloPeakRss = silo.Sample().PeakRssBytes,
            LiveLatency = row.Live ? live : null,
            LiveTimeline = timeline,
            LivePerSecond = row.Live ? livePerSecond : 0,
            Prebuild = network.Prebuild,
            FromKeptCache = network.FromKeptCache,
            Load = $"{loadBefore} → {MachineInfo.LoadAverage().Split(' ')[0]}",
            Requests = requests,
            IdleRequestsPerSecond = idle.Total / Math.Max(0.001, idleSeconds),
            Error = error,
        };
        BenchContext.Log($"backfill {row.Row}: {result.Delivered:N0} of {row.Expected:N0} records in {result.Seconds:F1} s: {result.RecordsPerSecond:N0} records/s, " +
                         $"{result.ReposPerSecond:N1} repositories/s; {status}; {result.GetRepoRequests:N0} getRepo; duplicates {result.DuplicateIds}, rejected {result.Rejected}; " +
                         $"Silo RSS {rssBefore / 1048576.0:F0} MiB before, peak {result.SiloPeakRss / 1048576.0:F0} MiB" +
                         (row.Live ? $"; live {live.Count} events, p50 {live.P50:F0} ms p99 {live.P99:F0} ms max {live.Max:F0} ms" : ""));
        BenchContext.Log($"backfill {row.Row}: storage requests {requests.Total:N0} (blob {requests.Blob:N0}, queue {requests.Queue:N0}, table {requests.Table:N0}); " +
                         $"idle {result.IdleRequestsPerSecond:F1}/s; {result.RequestsPerRepo:F2} per repository net of idle");
        if (timeline is not null)
        {
            BenchContext.Log($"backfill {row.Row}: {timeline.Summary()}; live latency by the second it was published (since the call):\n  " + string.Join("\n  ", timeline.Lines()));
        }

        BenchContext.LogUsage(usage);
        return result;
    }

    /// <summary>
    /// Until every expected record arrived, or the job ended and nothing more arrived for a while (a repository that
    /// failed), or the timeout; the job's counts at the end, and what went wrong if anything.
    /// </summary>
    private async Task<(string Status, string? Error)> WaitForEndAsync(SubscriptionCluster cluster, string subscriptionId, WebhookReceiverHost receiver, BackfillRowResult row, DateTime started, Action poll)
    {
        var deadline = started + Settings.BackfillTimeout;
        var lastCount = -1L;
        var lastChange = DateTime.UtcNow;
        var lastLog = DateTime.UtcNow;
        var state = "";
        while (true)
        {
            poll();
            var delivered = receiver.Events.BackfillEvents;
            if (delivered >= row.Expected)
            {
                return (await StatusAsync(cluster, subscriptionId), null);
            }

            if (delivered != lastCount)
            {
                lastCount = delivered;
                lastChange = DateTime.UtcNow;
            }

            if (DateTime.UtcNow - lastLog > TimeSpan.FromSeconds(10))
            {
                lastLog = DateTime.UtcNow;
                state = await StatusAsync(cluster, subscriptionId);
                var events = receiver.Stats.Events;
                var backfilled = receiver.Events.BackfillEvents;
                BenchContext.Log($"backfill {row.Row}: {backfilled:N0} of {row.Expected:N0} records delivered after {(DateTime.UtcNow - started).TotalSeconds:F0} s " +
                                 $"({Math.Max(0, events - backfilled):N0} live events); job {state}");
            }

            if (!state.StartsWith("running", StringComparison.Ordinal) && state.Length > 0 && DateTime.UtcNow - lastChange > Quiet)
            {
                return (state, $"the job ended ({state}) with {delivered:N0} of {row.Expected:N0} records delivered");
            }

            if (DateTime.UtcNow > deadline)
            {
                return (await StatusAsync(cluster, subscriptionId), $"{delivered:N0} of {row.Expected:N0} records delivered after {Settings.BackfillTimeout.TotalMinutes:F0} min");
            }

            await Task.Delay(100);
        }
    }

    /// <summary>When each of the job's steps was first seen in the Silo's output (to the 100 ms of the wait's poll).</summary>
    private static void NoteSteps(ChildProcess silo, Dictionary<string, DateTime> steps)
    {
        foreach (var (step, fragment) in BackfillLiveTimeline.LoggedSteps)
        {
            if (!steps.ContainsKey(step) && silo.CountedLines(fragment) > 0)
            {
                steps[step] = DateTime.UtcNow;
            }
        }
    }

    private static async Task<string> StatusAsync(SubscriptionCluster cluster, string subscriptionId)
    {
        using var status = await cluster.BackfillStatusAsync(subscriptionId);
        var root = status.RootElement;
        var repos = root.GetProperty("repos");
        int N(string name) => repos.GetProperty(name).GetInt32();
        var problems = root.GetProperty("problems").EnumerateArray().Take(3).Select(p => $"{p.GetProperty("did").GetString()}: {p.GetProperty("reason").GetString()}").ToList();
        return $"{root.GetProperty("state").GetString()}, {N("done"):N0} done, {N("skipped")} skipped, {N("failed")} failed, {N("pending"):N0} pending of {N("total"):N0}, {root.GetProperty("records").GetInt64():N0} records" +
               (problems.Count > 0 ? $" ({string.Join("; ", problems)})" : "");
    }
}
