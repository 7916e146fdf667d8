using System.Diagnostics;
using System.Globalization;
using Jetstream.Emulator;
using Jetstream.Grains.Interfaces;
using Jetstream.TestSupport;
using Xunit.Abstractions;

namespace Jetstream.WebhookConsumer.Tests;

/// <summary>
/// Wake-on-write against real parts: the Jetstream emulator, real silos on TCP hosting the real processor grain,
/// Azurite, the real consumer as an Orleans client, a real receiver. The consumer's polls are set minutes apart, so an
/// event that arrives within seconds was announced by its processor, not found by a poll.
/// </summary>
public sealed class WakeOnWriteTests(ITestOutputHelper output)
{
    // Far below every poll interval these consumers are given (1 to 10 minutes once idle), far above a delivery's time.
    private static readonly TimeSpan Announced = TimeSpan.FromSeconds(5);

    // Long enough that a consumer without the signal would be in a poll wait of over 5 s (10 ms doubling: 10.24 s by then).
    private static readonly TimeSpan Idle = TimeSpan.FromSeconds(12);

    private static readonly TimeSpan Startup = TimeSpan.FromSeconds(90);

    private static int _sequence;

    [Fact]
    public async Task Sparse_events_reach_the_webhook_at_once_though_the_empty_queue_is_polled_every_ten_minutes()
    {
        await using var harness = await ConsumerHarness.CreateAsync(output, "wake");
        await using var emulator = await JetstreamEmulator.StartAsync();
        var cluster = NewCluster();
        await using var silo = await TcpSilo.StartAsync(await SharedAzurite.GetConnectionStringAsync(), ProcessorSettings(harness, emulator), cluster.Id, cluster.Service, azureClustering: false);
        await harness.StartConsumerAsync(ConsumerSettings(cluster, "Localhost", silo.GatewayPort));
        await emulator.WaitForConnectionsAsync(1, Startup);
        await WaitUntilLoggedAsync(harness, LiveLine, 1);

        await Task.Delay(Idle);
        var latencies = new List<TimeSpan>();
        for (var i = 1; i <= 5; i++)
        {
            latencies.Add(await PublishAndTimeAsync(harness, emulator, i));
            await Task.Delay(TimeSpan.FromSeconds(1.5));
        }

        harness.Report($"sparse events (one every 1.5 s after {Idle.TotalSeconds} s idle), publish to webhook: {string.Join(", ", latencies.Select(l => $"{l.TotalMilliseconds:F0} ms"))}; receiver's time_us latency {harness.Receiver.Latency()}");
        Assert.All(latencies, latency => Assert.True(latency < Announced, $"an event took {latency}: it waited for a poll"));
        Assert.Equal(5, harness.Receiver.Deliveries.Count);
    }

    [Fact]
    public async Task The_signal_is_found_again_after_the_processor_moves_to_another_silo()
    {
        await using var harness = await ConsumerHarness.CreateAsync(output, "wakemove");
        await using var emulator = await JetstreamEmulator.StartAsync();
        var storage = await SharedAzurite.GetConnectionStringAsync();
        var cluster = NewCluster();
        await using var first = await TcpSilo.StartAsync(storage, ProcessorSettings(harness, emulator), cluster.Id, cluster.Service, azureClustering: true);
        await using var second = await TcpSilo.StartAsync(storage, ProcessorSettings(harness, emulator), cluster.Id, cluster.Service, azureClustering: true);
        var settings = ConsumerSettings(cluster, "AzureStorage", gatewayPort: null);
        settings["WakeOnWrite:RenewInterval"] = "00:00:02";
        await harness.StartConsumerAsync(settings);
        await emulator.WaitForConnectionsAsync(1, Startup);
        await WaitUntilLoggedAsync(harness, LiveLine, 1);
        await Task.Delay(Idle);
        var before = await PublishAndTimeAsync(harness, emulator, 1);
        Assert.True(before < Announced, $"before the move the event took {before}");

        var holderAddress = await ProcessorAddressAsync(first);
        var (holder, survivor) = holderAddress == first.Address ? (first, second) : (second, first);
        output.WriteLine($"the processor ran on {holderAddress}; stopping that silo");
        await holder.StopAsync();
        await Eventually.HoldsAsync(
            async () => await ProcessorAddressAsync(survivor) == survivor.Address && (await survivor.Grains.GetGrain<IJetstreamProcessorGrain>(IJetstreamProcessorGrain.DefaultKey).GetStatus()).Connected,
            Startup,
            "the processor reading again on the other silo");

        // The new activation knows no consumer until a renewal reaches it; then the consumer goes idle again.
        await WaitForQuietAsync(harness, Idle);
        var after = await PublishAndTimeAsync(harness, emulator, 2);
        harness.Report($"publish to webhook: {before.TotalMilliseconds:F0} ms before the move, {after.TotalMilliseconds:F0} ms after it");
        Assert.True(after < Announced, $"after the move the event took {after}: the consumer was not found again");
    }

    [Fact]
    public async Task Without_a_reachable_silo_the_consumer_starts_and_delivers_by_polling_and_joins_the_silo_that_appears()
    {
        await using var harness = await ConsumerHarness.CreateAsync(output, "wakeless");
        var cluster = NewCluster();
        var gatewayPort = FreePort.Next();
        var settings = ConsumerSettings(cluster, "Localhost", gatewayPort);
        var started = Stopwatch.StartNew();
        await harness.StartConsumerAsync(settings);
        output.WriteLine($"consumer started in {started.ElapsedMilliseconds} ms with no silo listening on {gatewayPort}");

        // Found by the first polls after the start (10 ms doubling), though the longest wait is a minute.
        var polled = TestEvents.Commit("did:plc:wakeless", 1);
        await harness.SendAsync([polled], perMessage: 1);
        await harness.Receiver.WaitForUniqueAsync(1, TimeSpan.FromSeconds(30));
        Assert.Equal(polled.EventId, harness.Receiver.Deliveries.Single().Id);
        // Polling can deliver before the first connection attempt has failed and been logged: wait for it.
        await WaitUntilLoggedAsync(harness, "No Orleans gateway reachable", 1);
        Assert.DoesNotContain(harness.Logs.Lines, l => l.Contains(LiveLine, StringComparison.Ordinal));

        await using var emulator = await JetstreamEmulator.StartAsync();
        await using var silo = await TcpSilo.StartAsync(await SharedAzurite.GetConnectionStringAsync(), ProcessorSettings(harness, emulator), cluster.Id, cluster.Service, azureClustering: false, gatewayPort);
        await emulator.WaitForConnectionsAsync(1, Startup);
        await WaitUntilLoggedAsync(harness, LiveLine, 1);
        await Task.Delay(Idle);
        var announced = await PublishAndTimeAsync(harness, emulator, 1, expectedUnique: 2);
        harness.Report($"delivered by polling with no silo; once a silo appeared, publish to webhook {announced.TotalMilliseconds:F0} ms");
        Assert.True(announced < Announced, $"once the silo was there the event took {announced}");
    }

    private const string LiveLine = "[default] Woken by its processor's queue writes";

    private static (string Id, string Service) NewCluster()
    {
        var tag = Guid.NewGuid().ToString("N")[..10];
        return ("wake-" + tag, "wake-svc-" + tag);
    }

    private static Dictionary<string, string?> ProcessorSettings(ConsumerHarness harness, JetstreamEmulator emulator)
    {
        var settings = ProcessorTestCluster.Settings(emulator.SubscribeUri, harness.Clients.Options.Name, "app.test.*");
        settings["Queue:LargeEventContainer"] = harness.Clients.Options.LargeEventContainer;
        return settings;
    }

    /// <summary>A consumer of <paramref name="cluster"/> whose empty queue is polled every minute, or every ten with the signal.</summary>
    private static Dictionary<string, string?> ConsumerSettings((string Id, string Service) cluster, string clustering, int? gatewayPort)
    {
        var settings = new Dictionary<string, string?>
        {
            ["Orleans:Clustering"] = clustering,
            ["Orleans:ClusterId"] = cluster.Id,
            ["Orleans:ServiceId"] = cluster.Service,
            ["Webhook:MaxPollInterval"] = "00:01:00",
            ["WakeOnWrite:IdlePollInterval"] = "00:10:00",
        };
        if (gatewayPort is { } port)
        {
            settings["Orleans:GatewayPort"] = port.ToString(CultureInfo.InvariantCulture);
        }

        return settings;
    }

    /// <summary>Publishes one commit and waits for its delivery; the time from the publish to the receiver.</summary>
    private static async Task<TimeSpan> PublishAndTimeAsync(ConsumerHarness harness, JetstreamEmulator emulator, int n, int? expectedUnique = null)
    {
        var published = DateTimeOffset.UtcNow;
        emulator.Publish(Commit());
        await harness.Receiver.WaitForUniqueAsync(expectedUnique ?? n, TimeSpan.FromMinutes(2));
        return harness.Receiver.Deliveries.Max(d => d.ArrivedAt) - published;
    }

    private static string Commit()
    {
        var n = Interlocked.Increment(ref _sequence);
        return $$$"""{"did":"did:plc:wake{{{n % 3}}}","time_us":0,"kind":"commit","commit":{"rev":"3mwake{{{n:D6}}}{{{Guid.NewGuid():N}}}","operation":"create","collection":"app.test.event","rkey":"3kwake{{{n:D6}}}","record":{"$type":"app.test.event","n":{{{n}}}},"cid":"bafyreiwake{{{n:D6}}}"}}""";
    }

    private static async Task<SiloAddress?> ProcessorAddressAsync(TcpSilo silo) =>
        await silo.Grains.GetGrain<IManagementGrain>(0).GetActivationAddress(silo.Grains.GetGrain<IJetstreamProcessorGrain>(IJetstreamProcessorGrain.DefaultKey));

    private static Task WaitUntilLoggedAsync(ConsumerHarness harness, string text, int times) =>
        Eventually.HoldsAsync(() => Task.FromResult(harness.Logs.Lines.Count(l => l.Contains(text, StringComparison.Ordinal)) >= times), Startup, $"the consumer to log '{text}'");

    /// <summary>Waits until the receiver has had no request for <paramref name="quiet"/> (a re-queued copy after a move may arrive first).</summary>
    private static async Task WaitForQuietAsync(ConsumerHarness harness, TimeSpan quiet)
    {
        while (true)
        {
            var last = harness.Receiver.Requests.Select(r => r.ArrivedAt).DefaultIfEmpty(DateTimeOffset.MinValue).Max();
            var since = DateTimeOffset.UtcNow - last;
            if (since >= quiet)
            {
                return;
            }

            await Task.Delay(quiet - since);
        }
    }
}
