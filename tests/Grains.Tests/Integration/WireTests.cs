using Jetstream.Emulator;
using Jetstream.Storage;
using Jetstream.Storage.Subscriptions;
using Jetstream.Grains.Interfaces;
using Jetstream.TestSupport;
using Xunit.Abstractions;

namespace Jetstream.Grains.Tests.Integration;

/// <summary>Both wires, both compressions, against the emulator over real sockets and Azurite.</summary>
public sealed class WireTests(ITestOutputHelper output)
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(60);

    [Theory]
    [InlineData("v1", true)]
    [InlineData("v1", false)]
    [InlineData("v2", true)]
    [InlineData("v2", false)]
    public async Task Each_wire_and_compression_queues_the_matching_commits_once_as_the_v1_event_json(string wire, bool compress)
    {
        await using var scenario = await IngestionScenario.StartAsync(
            $"wire-{wire}-{(compress ? "z" : "p")}",
            configure: s => s["Jetstream:Compress"] = compress ? "true" : "false",
            endpoint: e => wire == "v1" ? e.SubscribeUri : e.SubscribeEventsUri);
        scenario.Emulator.PublishMany(IngestionScenario.MixedEvents(seed: 41, count: 2000));
        var expected = scenario.ExpectedCommits();

        var queued = await scenario.DrainQueueAsync(expected.Count, Timeout);

        // Byte for byte: a v1 event as sent, a v2 event converted back to the JSON the v1 wire would have carried.
        IngestionTests.AssertExactlyOnce(expected, queued);
        var connection = Assert.Single(scenario.Emulator.Connections);
        Assert.Equal(wire, connection.Wire);
        Assert.Equal(compress ? "zstd" : "none", connection.Compression);
        var status = await scenario.Processor.GetStatus();
        Assert.Equal(wire, status.Wire);
        Assert.Equal(compress, status.Compression!.StartsWith("zstd", StringComparison.Ordinal));
        Assert.Equal(connection.BytesSent, status.WireBytes);
        Assert.Equal(connection.UncompressedBytesSent, status.DecodedBytes);
        var stats = await scenario.Processor.GetStats();
        Assert.Equal(status.WireBytes, stats.WireBytes);
        if (compress)
        {
            Assert.True(stats.CompressionRatio > 1.3, $"ratio {stats.CompressionRatio}");
        }
        else
        {
            Assert.Equal(1.0, stats.CompressionRatio);
        }

        if (wire == "v2")
        {
            // kinds=commit: the server never sent the identity and account events the subscription does not forward.
            Assert.Equal(0, stats.SkippedIdentityEvents + stats.SkippedAccountEvents);
            Assert.Contains("kinds=commit", status.SubscribeUrl);
        }

        output.WriteLine($"{wire} {status.Compression}: {expected.Count} commits, {status.WireBytes} bytes on the wire, {status.DecodedBytes} decoded, ratio {stats.CompressionRatio}");
    }

    [Theory]
    [InlineData("v1")]
    [InlineData("v2")]
    public async Task Same_endpoint_reconnects_lose_and_duplicate_nothing(string wire)
    {
        await using var scenario = await IngestionScenario.StartAsync(
            $"same-{wire}", new EmulatorOptions { DropEveryNEvents = 300 }, endpoint: e => wire == "v1" ? e.SubscribeUri : e.SubscribeEventsUri);
        scenario.Emulator.PublishMany(IngestionScenario.MixedEvents(seed: 42, count: 4000));
        var expected = scenario.ExpectedCommits();

        var queued = await scenario.DrainQueueAsync(expected.Count, TimeSpan.FromSeconds(120));

        IngestionTests.AssertExactlyOnce(expected, queued);
        var stats = await scenario.Processor.GetStats();
        Assert.True(stats.Reconnects >= 2, $"reconnects {stats.Reconnects}");
        output.WriteLine($"{wire}: {expected.Count} commits, {stats.Reconnects} reconnects, {stats.DuplicatesDropped} replayed duplicates dropped");
    }

    [Fact]
    public async Task The_same_v2_endpoint_resumes_after_its_seq_with_no_rewind()
    {
        await using var scenario = await IngestionScenario.StartAsync("seq", endpoint: e => e.SubscribeEventsUri);
        scenario.Emulator.PublishMany(IngestionScenario.MixedEvents(seed: 43, count: 500));
        var expected = scenario.ExpectedCommits();
        var queued = await scenario.DrainQueueAsync(expected.Count, Timeout);
        var lastSeq = expected[^1].Seq;
        await Eventually.HoldsAsync(async () => (await scenario.Processor.GetStatus()).CursorSeq == lastSeq, TimeSpan.FromSeconds(10), "the seq cursor at the last queued commit");

        await scenario.Processor.Reconnect();
        await Eventually.HoldsAsync(async () => scenario.Emulator.ConnectionsAccepted == 2 && (await scenario.Processor.GetStatus()).Connected, TimeSpan.FromSeconds(10), "reconnected");

        Assert.Contains($"cursor={lastSeq + 1}", scenario.Emulator.RequestedUrls[^1]);
        scenario.Emulator.PublishMany(IngestionScenario.MixedEvents(seed: 44, count: 500));
        var all = scenario.ExpectedCommits();
        queued.AddRange(await scenario.DrainQueueAsync(all.Count - expected.Count, Timeout));
        IngestionTests.AssertExactlyOnce(all, queued);
        Assert.Equal(0, (await scenario.Processor.GetStats()).DuplicatesDropped);
    }

    [Fact]
    public async Task A_switch_of_endpoint_resumes_by_time_minus_the_rewind_and_queues_nothing_twice()
    {
        // Two endpoints of one emulator: the v2 one first, then the v1 one (a different endpoint, and a different wire).
        await using var scenario = await IngestionScenario.StartAsync("switch", endpoint: e => e.SubscribeEventsUri);
        scenario.Emulator.PublishMany(IngestionScenario.MixedEvents(seed: 45, count: 500));
        var expected = scenario.ExpectedCommits();
        var queued = await scenario.DrainQueueAsync(expected.Count, Timeout);
        await Eventually.HoldsAsync(async () => (await scenario.Processor.GetStats()).Cursor >= expected[^1].TimeUs, TimeSpan.FromSeconds(10), "the cursor at the last commit");
        var cursor = (await scenario.Processor.GetStats()).Cursor!.Value;

        // The subscription moves to the v1 endpoint: the v2 seq means nothing there, so it resumes by time.
        await SwitchEndpointsAsync(scenario, [scenario.Emulator.SubscribeUri.ToString()]);
        await Eventually.HoldsAsync(async () => (await scenario.Processor.GetStatus()) is { Connected: true, Wire: "v1" }, TimeSpan.FromSeconds(20), "connected to the v1 endpoint");

        Assert.EndsWith($"cursor={cursor - 5_000_000}", scenario.Emulator.RequestedUrls[^1]);
        scenario.Emulator.PublishMany(IngestionScenario.MixedEvents(seed: 46, count: 500));
        var all = scenario.ExpectedCommits();
        queued.AddRange(await scenario.DrainQueueAsync(all.Count - expected.Count, Timeout));
        IngestionTests.AssertExactlyOnce(all, queued);
        Assert.True((await scenario.Processor.GetStats()).DuplicatesDropped > 0, "the rewind replayed nothing");
    }

    [Fact]
    public async Task Webhook_body_raw_queues_the_v2_message_frame_as_the_wire_carried_it()
    {
        await using var scenario = await IngestionScenario.StartAsync("raw", configure: s => s["Webhook:Body"] = "raw", endpoint: e => e.SubscribeEventsUri);
        scenario.Emulator.PublishMany(IngestionScenario.MixedEvents(seed: 47, count: 300));
        var expected = scenario.ExpectedCommits();

        var queued = await scenario.DrainQueueAsync(expected.Count, Timeout);

        Assert.Equal(expected.Count, queued.Count);
        var bySeq = expected.ToDictionary(e => e.Seq);
        foreach (var e in queued)
        {
            using var frame = System.Text.Json.JsonDocument.Parse(e.EventJson);
            Assert.Equal("message", frame.RootElement.GetProperty("$type").GetString());
            var payload = frame.RootElement.GetProperty("payload");
            var logged = bySeq[payload.GetProperty("seq").GetInt64()];
            Assert.Equal(logged.TimeUs, e.TimeUs);
            Assert.Equal(logged.Did, payload.GetProperty("did").GetString());
        }
    }

    private static async Task SwitchEndpointsAsync(IngestionScenario scenario, string[] endpoints)
    {
        var store = new SubscriptionStore(new StorageConnection(scenario.Storage), Microsoft.Extensions.Options.Options.Create(new SubscriptionOptions { Container = scenario.QueueName + "-subs" }));
        await store.UpdateAsync(SubscriptionDocument.DefaultId, current => current with { Endpoints = endpoints });
        await scenario.Processor.ApplySettings();
    }
}
