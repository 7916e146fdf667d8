using System.Diagnostics;
using System.Globalization;
using Jetstream.Emulator;
using Jetstream.WebhookReceiver;

namespace Jetstream.Bench.Pipeline;

/// <summary>
/// Issue 11's scale measurement: many subscriptions, each with its own collection, on a two-silo cluster with the Api
/// and one consumer; idle cost per subscription against the same hosts with only <c>default</c>; every event delivered
/// to its own receiver path only; then the silo holding most processors is killed with SIGKILL while events flow.
/// </summary>
internal sealed class SubscriptionScale(BenchSettings settings, RepoLayout layout, Action<string> phase, Action<string> log)
{
    private const int CreateConcurrency = 4;
    private const double FailoverFeedRate = 100;

    private readonly string[] _ids = Enumerable.Range(0, settings.SubscriptionCount).Select(i => $"s{i:D3}").ToArray();

    /// <summary>What is measured so far: a part that throws leaves the earlier ones here.</summary>
    public SubscriptionResults Results { get; private set; } = new() { Count = settings.SubscriptionCount, Silos = settings.SubscriptionSilos, CreateConcurrency = CreateConcurrency };

    public static string Collection(string id) => $"bench.subs.{id}";

    public async Task<SubscriptionResults> RunAsync(Azurite azurite)
    {
        var profile = new GeneratorProfile { CommitShare = 1, Collections = [.. _ids.Select(Collection)] };
        var (emulatorProcess, emulator) = await StartEmulatorAsync(layout, profile);
        await using var emulatorLifetime = emulatorProcess;
        using var emulatorControl = emulator;
        await using var proxy = CountingStorageProxy.Start(azurite.ConnectionString);
        await using var receiver = await BenchReceivers.PathsAsync();

        phase($"subscriptions: {settings.SubscriptionSilos} silos, the Api and a consumer, only default");
        await using var cluster = await SubscriptionCluster.StartAsync(layout, settings, proxy.ConnectionString, emulator, settings.SubscriptionSilos, receiver.UrlFor("default"));
        await Task.Delay(settings.SubscriptionSettle);
        var baseline = await IdleAsync(cluster, azurite, proxy, "default only");

        phase($"subscriptions: create {_ids.Length} through the Api");
        var sockets = _ids.Length + 1;
        var clock = Stopwatch.StartNew();
        await Parallel.ForEachAsync(_ids, new ParallelOptions { MaxDegreeOfParallelism = CreateConcurrency },
            async (id, _) => await cluster.CreateAsync(id, Collection(id), receiver.UrlFor(id)));
        var created = clock.Elapsed;
        await Ports.WaitUntilAsync(async () => (await emulator.StatsAsync()).Connections >= sockets, TimeSpan.FromMinutes(5), $"{sockets} sockets");
        var connected = clock.Elapsed;
        log($"subscriptions: {_ids.Length} created in {created.TotalSeconds:F1} s, all {sockets} sockets open after {connected.TotalSeconds:F1} s; " +
            $"processors per silo: {string.Join(", ", cluster.Silos.Select(s => s.CountedLines(SubscriptionCluster.ProcessorStarted)))}");
        var list = await cluster.ListAsync();
        var again = await cluster.ListAsync();
        log($"subscriptions: GET /subscriptions took {list.Elapsed.TotalMilliseconds:F0} ms, then {again.Elapsed.TotalMilliseconds:F0} ms, {list.Bytes:N0} bytes");

        await Task.Delay(settings.SubscriptionSettle);
        phase($"subscriptions: idle with {_ids.Length}");
        var loaded = await IdleAsync(cluster, azurite, proxy, $"{_ids.Length} subscriptions");
        Results = Results with
        {
            CreateTime = created,
            ConnectedTime = connected,
            ListTime = list.Elapsed,
            ListAgainTime = again.Elapsed,
            ListBytes = list.Bytes,
            Baseline = baseline,
            Loaded = loaded,
        };

        phase("subscriptions: events to their own receivers");
        receiver.Reset();
        var before = (await emulator.StatsAsync()).Published;
        await emulator.PublishAsync(_ids.Length * 10);
        var after = (await emulator.StatsAsync()).Published;
        Results = Results with { Delivery = await CheckDeliveryAsync(receiver, profile, before, after) };

        phase("subscriptions: SIGKILL the silo holding most processors");
        Results = Results with { Failover = await FailoverAsync(cluster, emulator, receiver, profile, sockets) };
        return Results;
    }

    /// <summary>The emulator as its own process: commits only, spread evenly over the subscriptions' collections, no feed until asked.</summary>
    public static async Task<(ChildProcess Process, EmulatorControl Control)> StartEmulatorAsync(RepoLayout layout, GeneratorProfile profile)
    {
        var port = Jetstream.TestSupport.FreePort.Next();
        var arguments = new List<string>
        {
            "--urls", $"http://127.0.0.1:{port}",
            "--Emulator:EventsPerSecond=0",
            $"--Emulator:Seed={StreamProfile.Seed}",
            "--Emulator:CommitShare=" + profile.CommitShare.ToString(CultureInfo.InvariantCulture),
            "--Logging:LogLevel:Default=Warning",
        };
        arguments.AddRange(profile.Collections.Select((c, i) => $"--Emulator:Collections:{i}={c}"));
        var process = ChildProcess.StartDotnet("emulator", layout.EmulatorDll, arguments);
        var control = new EmulatorControl(new Uri($"http://127.0.0.1:{port}"));
        await Ports.WaitUntilAsync(control.IsUpAsync, TimeSpan.FromSeconds(60), "Emulator start", process);
        return (process, control);
    }

    private async Task<IdleWindow> IdleAsync(SubscriptionCluster cluster, Azurite azurite, CountingStorageProxy proxy, string what)
    {
        var hosts = cluster.Hosts().Append(("Azurite (node)", azurite.Process.Sample)).ToList();
        var requestsBefore = proxy.Requests;
        var window = UsageWindow.Start(hosts);
        await Task.Delay(settings.SubscriptionIdle);
        var requests = proxy.Requests - requestsBefore;
        var usage = window.Stop();
        var seconds = window.Elapsed.TotalSeconds;
        var rss = hosts.ToDictionary(h => h.Name, h => h.Item2().RssBytes, StringComparer.Ordinal);
        log($"idle, {what}: {seconds:F0} s, storage requests/s blob {requests.Blob / seconds:F1}, queue {requests.Queue / seconds:F1}, table {requests.Table / seconds:F1}; " +
            string.Join("; ", usage.Select(u => $"{u.Host} {u.CpuPercent:F1}% cpu, {rss[u.Host] / 1048576.0:F0} MB")));
        return new IdleWindow(seconds, usage, rss, requests);
    }

    private async Task<FailoverResult> FailoverAsync(SubscriptionCluster cluster, EmulatorControl emulator, WebhookReceiverHost receiver, GeneratorProfile profile, int sockets)
    {
        receiver.Reset();
        var before = (await emulator.StatsAsync()).Published;
        await emulator.SetRateAsync(FailoverFeedRate);
        await Task.Delay(TimeSpan.FromSeconds(5));
        var victim = cluster.Busiest();
        var survivor = cluster.Silos.First(s => s != victim);
        survivor.CountLines("declared dead");
        var held = victim.CountedLines(SubscriptionCluster.ProcessorStarted);
        var survivorHeld = survivor.CountedLines(SubscriptionCluster.ProcessorStarted);
        var clock = Stopwatch.StartNew();
        victim.Kill();
        await Ports.WaitUntilAsync(async () => (await emulator.StatsAsync()).Connections < sockets, TimeSpan.FromSeconds(30), "the killed silo's sockets to close");
        var closed = clock.Elapsed;
        TimeSpan? declared = null;
        var deadline = TimeSpan.FromSeconds(180);
        while ((await emulator.StatsAsync()).Connections < sockets && clock.Elapsed < deadline)
        {
            if (declared is null && survivor.CountedLines("declared dead") > 0)
            {
                declared = clock.Elapsed;
            }

            await Task.Delay(100);
        }

        var reading = clock.Elapsed;
        var recovered = (await emulator.StatsAsync()).Connections >= sockets;
        declared ??= survivor.CountedLines("declared dead") > 0 ? reading : null;
        log($"failover: killed {victim.Name} holding {held} processors; sockets closed after {closed.TotalSeconds:F1} s, declared dead after " +
            $"{declared?.TotalSeconds.ToString("F1", CultureInfo.InvariantCulture) ?? "?"} s, {(recovered ? "all" : "NOT all")} {sockets} reading after {reading.TotalSeconds:F1} s");
        await Task.Delay(TimeSpan.FromSeconds(5));
        await emulator.SetRateAsync(0);
        var after = (await emulator.StatsAsync()).Published;
        var delivery = await CheckDeliveryAsync(receiver, profile, before, after);
        return new FailoverResult(held, survivorHeld, survivor.CountedLines(SubscriptionCluster.ProcessorStarted) - survivorHeld, closed, declared, reading, recovered, FailoverFeedRate, delivery);
    }

    /// <summary>Waits until every commit published in [<paramref name="from"/>, <paramref name="to"/>) could have arrived, then compares each path with its collection.</summary>
    private async Task<DeliveryCheck> CheckDeliveryAsync(WebhookReceiverHost receiver, GeneratorProfile profile, long from, long to)
    {
        var expected = GeneratedEvents.CommitsByCollection(profile, from, to);
        var total = expected.Values.Sum(e => (long)e.Count);
        var deadline = DateTime.UtcNow + TimeSpan.FromMinutes(3);
        while (receiver.Paths.Distinct < total && DateTime.UtcNow < deadline)
        {
            await Task.Delay(200);
        }

        // Late duplicates or strays would come now.
        await Task.Delay(TimeSpan.FromSeconds(3));
        long delivered = 0, missing = 0, foreign = 0, duplicates = 0;
        var exact = 0;
        foreach (var id in _ids)
        {
            var wanted = expected.GetValueOrDefault(Collection(id)) ?? [];
            var got = receiver.Paths.ByPath.GetValueOrDefault(id);
            var keys = got?.Keys.ToHashSet(StringComparer.Ordinal) ?? [];
            var lost = wanted.Count(k => !keys.Contains(k));
            var stray = keys.Count(k => !wanted.Contains(k));
            delivered += keys.Count;
            missing += lost;
            foreign += stray;
            duplicates += got?.Values.Sum(n => n - 1L) ?? 0;
            exact += lost == 0 && stray == 0 ? 1 : 0;
        }

        // Anything at a path that is not a subscription's (default's included: it wants a collection nobody publishes).
        foreign += receiver.Paths.ByPath.Where(p => !_ids.Contains(p.Key)).Sum(p => (long)p.Value.Count);
        var check = new DeliveryCheck(to - from, total, delivered, missing, foreign, duplicates, exact, _ids.Length, receiver.Stats.Rejected);
        log($"delivery: {check.Published} published, {check.Expected} commits expected, {check.Delivered} delivered, {check.Missing} missing, " +
            $"{check.Foreign} at a wrong path, {check.Duplicates} duplicates, {check.ExactSubscriptions} of {check.Subscriptions} paths exact, {check.Rejected} rejected signatures");
        return check;
    }
}
