using System.Text;
using Azure.Storage.Blobs;
using Jetstream.Emulator;
using Jetstream.Grains.Interfaces;
using Jetstream.TestSupport;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Xunit.Abstractions;

namespace Jetstream.Grains.Tests.Integration;

public sealed class ResilienceTests(ITestOutputHelper output)
{
    [Fact]
    public async Task Malformed_and_oversize_frames_are_counted_and_skipped_without_losing_anything_on_one_connection()
    {
        await using var scenario = await IngestionScenario.StartAsync("malformed");
        var valid = IngestionScenario.MixedEvents(seed: 21, count: 2000).ToArray();
        var malformed = MalformedFrames().ToArray();
        Assert.Equal(50, malformed.Length);

        var bigText = new string('x', 2 * 1024 * 1024);
        var big = $"{{\"did\":\"did:plc:bigbigbigbigbigbigbigbig\",\"time_us\":0,\"kind\":\"commit\",\"commit\":{{\"rev\":\"3lbig\",\"operation\":\"create\",\"collection\":\"work.doing.task\",\"rkey\":\"3lbigrkey\",\"record\":{{\"$type\":\"work.doing.task\",\"text\":\"{bigText}\"}},\"cid\":\"bafybig\"}}}}";
        for (var i = 0; i < valid.Length; i++)
        {
            scenario.Emulator.Publish(valid[i]);
            if (i % 40 == 20)
            {
                var (payload, binary) = malformed[i / 40];
                scenario.Emulator.PublishRawFrame(payload, binary);
            }

            if (i == 1000)
            {
                scenario.Emulator.Publish(big);
            }
        }

        var expected = scenario.ExpectedCommits();
        var queued = await scenario.DrainQueueAsync(expected.Count, TimeSpan.FromSeconds(60));

        // The 2 MiB event is valid: its body went to a blob and the message carries a pointer.
        var bigQueued = Assert.Single(queued, e => e.BlobName is not null);
        var blob = new BlobContainerClient(scenario.Storage, scenario.QueueName + "-large").GetBlobClient(bigQueued.BlobName);
        var bigLogged = expected.Single(e => e.Did == "did:plc:bigbigbigbigbigbigbigbig");
        Assert.Equal(bigLogged.Json, (await blob.DownloadContentAsync()).Value.Content.ToString());
        var inline = queued.Where(e => e.BlobName is null).Select(e => e with { }).ToList();
        IngestionTests.AssertExactlyOnce(expected.Where(e => e != bigLogged).ToList(), inline);

        var stats = await scenario.Processor.GetStats();
        Assert.Equal(49, stats.ParseErrors);
        Assert.Equal(1, stats.OversizeFrames);
        Assert.Equal(1, stats.OffloadedEvents);
        Assert.Equal(1, scenario.Emulator.ConnectionsAccepted);
        Assert.True((await scenario.Processor.GetStatus()).Connected);
        output.WriteLine($"valid events {valid.Length + 1}, malformed frames {malformed.Length}; queued {queued.Count} (1 via blob), parse errors {stats.ParseErrors}, oversize {stats.OversizeFrames}, connections {scenario.Emulator.ConnectionsAccepted}");
    }

    [Fact]
    public async Task Reconnect_rewinds_cursor_five_seconds_and_drops_duplicates()
    {
        await using var scenario = await IngestionScenario.StartAsync("rewind");
        scenario.Emulator.PublishMany(IngestionScenario.MixedEvents(seed: 31, count: 1000));
        var firstHalf = scenario.ExpectedCommits();
        var queued = await scenario.DrainQueueAsync(firstHalf.Count, TimeSpan.FromSeconds(30));
        await Eventually.HoldsAsync(async () => (await scenario.Processor.GetStats()).Cursor == scenario.Emulator.Log.Last(e => e.Kind != "commit" || firstHalf.Contains(e)).TimeUs, TimeSpan.FromSeconds(10), "cursor at the last event");
        var before = await scenario.Processor.GetStatus();
        var cursor = before.Cursor!.Value;

        await scenario.Processor.Reconnect();
        await scenario.Emulator.WaitForConnectionsAsync(1, TimeSpan.FromSeconds(10));
        await Eventually.HoldsAsync(async () => scenario.Emulator.ConnectionsAccepted == 2 && (await scenario.Processor.GetStatus()).Connected, TimeSpan.FromSeconds(10), "reconnected");

        Assert.EndsWith($"&cursor={cursor - 5_000_000}", scenario.Emulator.RequestedUrls[^1]);
        var after = await scenario.Processor.GetStatus();
        Assert.True(after.Connected);
        Assert.Equal(1, after.ReadyState);
        Assert.Equal(ConnectionState.Connected, after.State);
        Assert.True(after.ConnectedSince > before.ConnectedSince);

        scenario.Emulator.PublishMany(IngestionScenario.MixedEvents(seed: 32, count: 1000));
        var all = scenario.ExpectedCommits();
        queued.AddRange(await scenario.DrainQueueAsync(all.Count - firstHalf.Count, TimeSpan.FromSeconds(30)));

        IngestionTests.AssertExactlyOnce(all, queued);
        var stats = await scenario.Processor.GetStats();
        Assert.True(stats.DuplicatesDropped > 0, "the rewind replayed nothing");
        output.WriteLine($"replayed and dropped {stats.DuplicatesDropped} events after the reconnect; queued {queued.Count} = expected {all.Count}");
    }

    [Fact]
    public async Task Status_tells_the_truth_while_the_server_is_away_and_after_it_returns()
    {
        var port = FreePort.Next();
        var emulator = await JetstreamEmulator.StartAsync(new EmulatorOptions { Urls = $"http://127.0.0.1:{port}" });
        await using var scenario = await IngestionScenario.StartAsync("away", configure: s => s["Jetstream:Endpoints:0"] = emulator.SubscribeUri.ToString());
        await emulator.WaitForConnectionsAsync(1, TimeSpan.FromSeconds(30));

        // The server counts the socket when it accepts it, a moment before the client's handshake returns.
        await Eventually.HoldsAsync(async () => (await scenario.Processor.GetStatus()).Connected, TimeSpan.FromSeconds(10), "connected");

        await emulator.DisposeAsync();
        await Eventually.HoldsAsync(async () => (await scenario.Processor.GetStatus()).ReconnectAttempts >= 2, TimeSpan.FromSeconds(15), "failed reconnect attempts");
        var away = await scenario.Processor.GetStatus();
        Assert.False(away.Connected);
        Assert.NotEqual(1, away.ReadyState);
        Assert.Contains(away.State, new[] { ConnectionState.Backoff, ConnectionState.Connecting });
        Assert.NotNull(away.LastError);
        Assert.Null(away.ConnectedSince);

        await using var back = await JetstreamEmulator.StartAsync(new EmulatorOptions { Urls = $"http://127.0.0.1:{port}" });
        await back.WaitForConnectionsAsync(1, TimeSpan.FromSeconds(15));
        await Eventually.HoldsAsync(async () => (await scenario.Processor.GetStatus()).Connected, TimeSpan.FromSeconds(10), "connected again");
        var again = await scenario.Processor.GetStatus();
        Assert.Equal(1, again.ReadyState);
        Assert.Equal(ConnectionState.Connected, again.State);
        Assert.NotNull(again.ConnectedSince);
    }

    [Fact]
    public async Task A_storage_outage_pauses_reading_and_loses_nothing()
    {
        var shared = await SharedAzurite.GetConnectionStringAsync();
        await using var storage = StorageProxy.Start(shared);
        await using var scenario = await IngestionScenario.StartAsync("outage", storage: storage.ConnectionString);
        var events = IngestionScenario.MixedEvents(seed: 41, count: 3000).ToArray();
        var started = DateTime.UtcNow;
        for (var i = 0; i < events.Length; i += 50)
        {
            scenario.Emulator.PublishMany(events.Skip(i).Take(50));
            await Task.Delay(25);
            if (i == 1000)
            {
                storage.Cut();
            }
        }

        await Eventually.HoldsAsync(async () => (await scenario.Processor.GetStatus()).State == ConnectionState.PausedQueueUnavailable, TimeSpan.FromSeconds(8), "paused while storage is away");
        var during = await scenario.Processor.GetStatus();
        var cutFor = TimeSpan.FromSeconds(10) - (DateTime.UtcNow - started - TimeSpan.FromMilliseconds(500));
        if (cutFor > TimeSpan.Zero)
        {
            await Task.Delay(cutFor);
        }

        var statsDuringOutage = await scenario.Processor.GetStats();
        storage.Resume();
        var expected = scenario.ExpectedCommits();
        var queued = await QueueReader.DrainAsync(QueueReader.Client(shared, scenario.QueueName), expected.Count, TimeSpan.FromSeconds(90));

        Assert.Contains("Queue write failed", during.LastError);
        Assert.True(statsDuringOutage.QueuedEvents < expected.Count, "the outage did not stop queueing");
        var missing = expected.Select(e => IngestionTests.EventIdOf(e.Json)).Except(queued.Select(q => q.EventId)).ToList();
        Assert.Empty(missing);
        var duplicates = queued.Count - queued.Select(q => q.EventId).Distinct().Count();
        output.WriteLine($"storage cut ~10 s; expected {expected.Count}, queued {queued.Count}, duplicates {duplicates}; elapsed {(DateTime.UtcNow - started).TotalSeconds:F1} s");
    }

    [Fact]
    public async Task A_rejected_handshake_is_a_configuration_error_not_a_hot_retry_loop()
    {
        var requests = 0;
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        await using var server = builder.Build();
        server.MapGet("/subscribe", () =>
        {
            Interlocked.Increment(ref requests);
            return Results.Text("invalid subscriber options: invalid collection: x", statusCode: 400);
        });
        await server.StartAsync();
        var url = server.Urls.First().Replace("http://", "ws://") + "/subscribe";

        await using var scenario = await IngestionScenario.StartAsync("reject", configure: s => s["Jetstream:Endpoints:0"] = url);
        await Eventually.HoldsAsync(async () => (await scenario.Processor.GetStatus()).State == ConnectionState.ConfigurationError, TimeSpan.FromSeconds(15), "configuration error state");
        await Task.Delay(TimeSpan.FromSeconds(3));

        var status = await scenario.Processor.GetStatus();
        Assert.Equal(ConnectionState.ConfigurationError, status.State);
        Assert.Contains("HTTP 400", status.LastError);
        Assert.Contains("Jetstream:WantedCollections", status.LastError);
        Assert.True(status.NextAttemptAt > DateTimeOffset.UtcNow.AddMinutes(4));
        Assert.Equal(1, Volatile.Read(ref requests));
    }

    [Fact]
    public async Task After_repeated_failures_it_fails_over_to_the_next_endpoint()
    {
        var dead = $"ws://127.0.0.1:{FreePort.Next()}/subscribe";
        await using var scenario = await IngestionScenario.StartAsync("failover", configure: s =>
        {
            var emulatorUrl = s["Jetstream:Endpoints:0"];
            s["Jetstream:Endpoints:0"] = dead;
            s["Jetstream:Endpoints:1"] = emulatorUrl;
            s["Jetstream:FailoverAfterAttempts"] = "2";
        });

        await scenario.Emulator.WaitForConnectionsAsync(1, TimeSpan.FromSeconds(30));
        await Eventually.HoldsAsync(async () => (await scenario.Processor.GetStatus()).Connected, TimeSpan.FromSeconds(10), "connected");
        var status = await scenario.Processor.GetStatus();
        Assert.Equal(scenario.Emulator.SubscribeUri.ToString(), status.Endpoint);
        scenario.Emulator.PublishMany(IngestionScenario.MixedEvents(seed: 51, count: 300));
        var expected = scenario.ExpectedCommits();
        IngestionTests.AssertExactlyOnce(expected, await scenario.DrainQueueAsync(expected.Count, TimeSpan.FromSeconds(30)));
    }

    [Fact]
    public async Task A_socket_that_answers_no_ping_is_declared_dead_and_replaced()
    {
        await using var silent = await SilentWebSocketServer.StartAsync();
        await using var scenario = await IngestionScenario.StartAsync("liveness", configure: s =>
        {
            s["Jetstream:Endpoints:0"] = silent.Url;
            s["Jetstream:LivenessTimeoutSeconds"] = "2";
        });

        await Eventually.HoldsAsync(() => Task.FromResult(silent.Handshakes >= 3), TimeSpan.FromSeconds(20), "three handshakes with the silent server");
        var status = await scenario.Processor.GetStatus();
        Assert.NotNull(status.LastError);
        output.WriteLine($"handshakes {silent.Handshakes}; last error: {status.LastError}");
    }

    private static IEnumerable<(byte[] Payload, bool Binary)> MalformedFrames()
    {
        static byte[] U(string s) => Encoding.UTF8.GetBytes(s);
        for (var i = 0; i < 8; i++)
        {
            yield return (U($"{{\"did\":\"did:plc:bad{i}\",\"time_us\":"), false);
        }

        for (var i = 0; i < 8; i++)
        {
            yield return ([0x28, 0xb5, 0x2f, 0xfd, (byte)i, 0, 1, 2], true);
        }

        for (var i = 0; i < 8; i++)
        {
            yield return (U($"{{\"did\":\"did:plc:nokind{i}\",\"time_us\":1,\"commit\":{{}}}}"), false);
        }

        for (var i = 0; i < 8; i++)
        {
            yield return (U($"{{\"did\":\"did:plc:nocoll{i}\",\"time_us\":1,\"kind\":\"commit\",\"commit\":{{\"rev\":\"r\",\"operation\":\"create\",\"rkey\":\"k{i}\"}}}}"), false);
        }

        for (var i = 0; i < 8; i++)
        {
            yield return (U($"{{\"time_us\":1,\"kind\":\"commit\",\"commit\":{{\"rev\":\"r\",\"operation\":\"create\",\"collection\":\"work.doing.task\",\"rkey\":\"k{i}\"}}}}"), false);
        }

        for (var i = 0; i < 9; i++)
        {
            yield return (U(i % 2 == 0 ? "[]" : "null"), false);
        }

        var huge = new StringBuilder("{\"did\":\"did:plc:huge\",\"time_us\":1,\"kind\":\"commit\",\"commit\":{\"rev\":\"r\",\"operation\":\"create\",\"collection\":\"work.doing.task\",\"rkey\":\"huge\",\"record\":{\"text\":\"");
        huge.Append('y', 6 * 1024 * 1024).Append("\"}}}");
        yield return (U(huge.ToString()), false);
    }
}
