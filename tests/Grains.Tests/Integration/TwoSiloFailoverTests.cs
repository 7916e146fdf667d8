using System.Diagnostics;
using Jetstream.Emulator;
using Jetstream.Storage;
using Jetstream.Storage.Subscriptions;
using Jetstream.TestSupport;
using Xunit.Abstractions;

namespace Jetstream.Grains.Tests.Integration;

/// <summary>
/// Subscriptions spread over two real Silo processes on Azure Table clustering; the silo holding most of them is
/// killed with SIGKILL while events flow. Every subscription reads again on the survivor and nothing is lost.
/// </summary>
public sealed class TwoSiloFailoverTests(ITestOutputHelper output)
{
    private const int Subscriptions = 4;

    [Fact]
    public async Task Subscriptions_of_a_killed_silo_read_again_on_the_other_and_lose_nothing()
    {
        var storage = await SharedAzurite.GetConnectionStringAsync();
        await using var emulator = await JetstreamEmulator.StartAsync();
        var name = TestNames.Queue("two");
        var tag = Guid.NewGuid().ToString("N")[..6];
        var store = new SubscriptionStore(new StorageConnection(storage), Microsoft.Extensions.Options.Options.Create(new SubscriptionOptions { Container = name + "-subs" }));
        var ids = Enumerable.Range(0, Subscriptions).Select(i => $"fo{i}-{tag}").ToArray();
        var cluster = "c" + tag;
        await using var first = HostProcess.Start("Silo", SiloEnvironment(storage, emulator.SubscribeUri, name, cluster));
        await using var second = HostProcess.Start("Silo", SiloEnvironment(storage, emulator.SubscribeUri, name, cluster));
        await Eventually.HoldsAsync(() => Task.FromResult(first.Output.Concat(second.Output).Count(l => l.Contains("Activated", StringComparison.Ordinal)) == 2), TimeSpan.FromSeconds(90), "both silos started");

        // Created once both silos run, so their sweeps place the processors by activation count over the two.
        foreach (var id in ids)
        {
            Assert.True(await store.TryCreateAsync(new SubscriptionDocument
            {
                Id = id,
                WantedCollections = [Collection(id)],
                Webhook = new WebhookDocument { Url = "http://127.0.0.1:9/" + id },
            }));
        }

        var sockets = Subscriptions + 1;
        await Eventually.HoldsAsync(() => Task.FromResult(emulator.ActiveConnections == sockets), TimeSpan.FromSeconds(90), $"{sockets} sockets (the subscriptions and default)");

        var publishing = PublishUntilAsync(emulator, ids, out var stop);
        await Task.Delay(2000);
        var victim = Started(first) >= Started(second) ? first : second;
        var held = Started(victim);
        output.WriteLine($"killing at {DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() * 1000}");
        victim.Kill();
        var killedAt = Stopwatch.StartNew();
        await Eventually.HoldsAsync(() => Task.FromResult(emulator.ActiveConnections < sockets), TimeSpan.FromSeconds(10), "the killed silo's sockets to close");
        await Eventually.HoldsAsync(() => Task.FromResult(emulator.ActiveConnections == sockets), TimeSpan.FromSeconds(120), "every subscription reading again");
        var recovered = killedAt.Elapsed;
        await Task.Delay(2000);
        stop.Cancel();
        await publishing;

        var missing = new List<string>();
        foreach (var id in ids)
        {
            var published = emulator.Log.Where(e => e.Collection == Collection(id)).ToList();
            var expected = published.Select(e => IngestionTests.EventIdOf(e.Json)).ToHashSet();
            var queued = await QueueReader.DrainAsync(QueueReader.Client(storage, "sub-" + id), expected.Count, TimeSpan.FromSeconds(60));
            var lost = published.Where(e => !queued.Any(q => q.EventId == IngestionTests.EventIdOf(e.Json))).ToList();
            output.WriteLine($"{id}: published {published.Count}, queued {queued.Count} ({queued.Select(q => q.EventId).Distinct().Count()} distinct), lost {lost.Count}{(lost.Count > 0 ? $" from {lost[0].TimeUs} to {lost[^1].TimeUs}" : "")}");
            missing.AddRange(lost.Select(e => id + ": " + e.TimeUs));
            Assert.Empty(queued.Select(q => q.EventId).Except(expected));
        }

        if (missing.Count > 0)
        {
            foreach (var (silo, label) in new[] { (first, "first"), (second, "second") })
            {
                output.WriteLine($"--- {label} silo{(silo == victim ? " (killed)" : string.Empty)}");
                foreach (var line in silo.Output.Where(l => l.Contains("fo", StringComparison.Ordinal) || l.Contains("fail", StringComparison.OrdinalIgnoreCase) || l.Contains("dead", StringComparison.OrdinalIgnoreCase)))
                {
                    output.WriteLine(line);
                }
            }
        }

        Assert.Empty(missing);

        output.WriteLine($"killed the silo holding {held} processors; all {sockets} sockets open again after {recovered.TotalSeconds:F1} s; {emulator.Log.Count} events published, none lost");
    }

    private static string Collection(string id) => $"app.failover.{id.Replace("-", string.Empty, StringComparison.Ordinal)}";

    /// <summary>Processors that started on the silo (each logs once when it activates).</summary>
    private static int Started(HostProcess silo) => silo.Output.Count(line => line.Contains(": starting at cursor", StringComparison.Ordinal));

    private static Task PublishUntilAsync(JetstreamEmulator emulator, string[] ids, out CancellationTokenSource stop)
    {
        var cancel = stop = new CancellationTokenSource();
        return Task.Run(async () =>
        {
            for (var n = 0; !cancel.IsCancellationRequested; n++)
            {
                foreach (var id in ids)
                {
                    emulator.Publish($$$"""{"did":"did:plc:fo{{{n % 9}}}","time_us":0,"kind":"commit","commit":{"rev":"3mfo{{{n:D7}}}","operation":"create","collection":"{{{Collection(id)}}}","rkey":"3kfo{{{n:D7}}}","record":{"n":{{{n}}}},"cid":"bafyfo{{{n:D7}}}"}}""");
                }

                await Task.Delay(50);
            }
        });
    }

    private static Dictionary<string, string> SiloEnvironment(string storage, Uri endpoint, string name, string cluster) => new()
    {
        ["ConnectionStrings__AzureStorage"] = storage,
        ["Orleans__Clustering"] = "AzureStorage",
        ["Orleans__AdvertisedIPAddress"] = "127.0.0.1",
        ["Orleans__ClusterId"] = cluster,
        ["Orleans__ServiceId"] = "s" + cluster,
        ["Orleans__SiloPort"] = FreePort.Next().ToString(),
        ["Orleans__GatewayPort"] = FreePort.Next().ToString(),
        ["ASPNETCORE_URLS"] = $"http://127.0.0.1:{FreePort.Next()}",
        ["Jetstream__Endpoints__0"] = endpoint.ToString(),
        ["Jetstream__WantedCollections__0"] = "app.failover.default",
        ["Jetstream__InitialBackoffMs"] = "100",
        ["Jetstream__MaxBackoffMs"] = "1000",
        ["Jetstream__ActivationSweepSeconds"] = "5",
        ["Queue__Name"] = name,
        ["Queue__LargeEventContainer"] = name + "-large",
        ["Subscriptions__Container"] = name + "-subs",
    };
}
