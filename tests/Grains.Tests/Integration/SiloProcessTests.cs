using Jetstream.Emulator;
using Jetstream.Grains.Interfaces.Events;
using Jetstream.Storage;
using Jetstream.TestSupport;
using Xunit.Abstractions;

namespace Jetstream.Grains.Tests.Integration;

/// <summary>The real Silo executable, killed with SIGKILL and started again, as a crash and a restart would.</summary>
public sealed class SiloProcessTests(ITestOutputHelper output)
{
    [Fact]
    public async Task A_silo_killed_mid_stream_and_restarted_misses_nothing_and_duplicates_only_inside_the_rewind_window()
    {
        var storage = await SharedAzurite.GetConnectionStringAsync();
        await using var emulator = await JetstreamEmulator.StartAsync();
        var queueName = TestNames.Queue("kill");
        await using var silo = HostProcess.Start("Silo", SiloEnvironment(storage, emulator.SubscribeUri.ToString(), queueName));
        await emulator.WaitForConnectionsAsync(1, TimeSpan.FromSeconds(60));

        var events = IngestionScenario.MixedEvents(seed: 61, count: 6000).ToArray();
        var started = DateTime.UtcNow;
        for (var i = 0; i < events.Length; i += 100)
        {
            emulator.PublishMany(events.Skip(i).Take(100));
            await Task.Delay(50);
            if (i == 2000)
            {
                // Kill only once a checkpoint can have been written (queued events, then a few checkpoint intervals):
                // on a loaded machine the first silo can still be starting at this point, and a silo killed before
                // its first checkpoint restarts on the live tail, which is what a new subscription does by design.
                await WaitForQueuedEventsAsync(QueueReader.Client(storage, queueName));
                await Task.Delay(3000);
                silo.Kill();
                await Task.Delay(1000);
                silo.StartAgain();
            }
        }

        var filter = new CollectionFilter(IngestionScenario.Wanted);
        var expected = emulator.Log.Where(e => e.Kind == EventKinds.Commit && filter.Matches(e.Collection!)).ToList();
        var queued = await QueueReader.DrainAsync(QueueReader.Client(storage, queueName), expected.Count, TimeSpan.FromSeconds(90));

        var expectedIds = expected.Select(e => IngestionTests.EventIdOf(e.Json)).ToList();
        Assert.Empty(expectedIds.Except(queued.Select(q => q.EventId)));
        Assert.Empty(queued.Select(q => q.EventId).Except(expectedIds));

        // The restarted silo resumed at its persisted cursor minus the rewind: only events after that can repeat.
        var resumeUrl = emulator.RequestedUrls.Last(u => u.Contains("cursor="));
        var resumedAt = long.Parse(resumeUrl[(resumeUrl.IndexOf("cursor=", StringComparison.Ordinal) + 7)..].Split('&')[0]);
        var duplicates = queued.GroupBy(q => q.EventId).Where(g => g.Count() > 1).SelectMany(g => g.Skip(1)).ToList();
        Assert.All(duplicates, d => Assert.True(d.TimeUs >= resumedAt, $"duplicate {d.EventId} at {d.TimeUs} is before the resume point {resumedAt}"));
        output.WriteLine($"published {events.Length}, matching {expected.Count}, queued {queued.Count}, duplicates {duplicates.Count} (all at or after the resume cursor), elapsed {(DateTime.UtcNow - started).TotalSeconds:F1} s");
    }

    [Theory]
    [InlineData(null, QueueMessageCodec.CompressedVersion)]
    [InlineData("1", QueueMessageCodec.PlainVersion)]
    public async Task The_silo_writes_message_version_2_by_default_and_version_1_when_told(string? setting, int expected)
    {
        var storage = await SharedAzurite.GetConnectionStringAsync();
        await using var emulator = await JetstreamEmulator.StartAsync();
        var queueName = TestNames.Queue("version");
        var environment = SiloEnvironment(storage, emulator.SubscribeUri.ToString(), queueName);
        if (setting is not null)
        {
            environment["Queue__MessageVersion"] = setting;
        }

        await using var silo = HostProcess.Start("Silo", environment);
        await emulator.WaitForConnectionsAsync(1, TimeSpan.FromSeconds(60));
        emulator.PublishMany(IngestionScenario.MixedEvents(seed: 71, count: 400));

        var filter = new CollectionFilter(IngestionScenario.Wanted);
        var expectedIds = emulator.Log.Where(e => e.Kind == EventKinds.Commit && filter.Matches(e.Collection!)).Select(e => IngestionTests.EventIdOf(e.Json)).ToList();
        var queue = QueueReader.Client(storage, queueName);
        var bodies = new List<BinaryData>();
        var queued = new List<QueuedEvent>();
        var deadline = DateTime.UtcNow.AddSeconds(90);
        while (queued.Count < expectedIds.Count && DateTime.UtcNow < deadline)
        {
            var batch = (await queue.ExistsAsync()).Value ? (await queue.ReceiveMessagesAsync(32, TimeSpan.FromMinutes(5))).Value : [];
            foreach (var message in batch)
            {
                bodies.Add(message.Body);
                queued.AddRange(QueueMessageCodec.DecodeMessage(message.Body.ToMemory()).Events);
            }

            if (batch.Length == 0)
            {
                await Task.Delay(200);
            }
        }

        // The wire itself, as a consumer of any release reads it: the version is the body's first property.
        Assert.NotEmpty(bodies);
        Assert.All(bodies, body => Assert.StartsWith($"{{\"v\":{expected},", body.ToString(), StringComparison.Ordinal));
        Assert.All(bodies, body => Assert.Equal(expected, QueueMessageCodec.DecodeMessage(body.ToMemory()).Version));
        Assert.Empty(expectedIds.Except(queued.Select(q => q.EventId)));
        output.WriteLine($"Queue__MessageVersion {setting ?? "(unset)"}: {queued.Count} events in {bodies.Count} messages of version {expected}");
    }

    [Theory]
    [InlineData("Localhost")]
    [InlineData("AzureStorage")]
    public async Task The_silo_starts_with_either_clustering_mode_and_the_processor_connects(string clustering)
    {
        var storage = await SharedAzurite.GetConnectionStringAsync();
        await using var emulator = await JetstreamEmulator.StartAsync();
        var environment = SiloEnvironment(storage, emulator.SubscribeUri.ToString(), TestNames.Queue("mode"));
        environment["Orleans__Clustering"] = clustering;
        environment["Orleans__AdvertisedIPAddress"] = "127.0.0.1";
        await using var silo = HostProcess.Start("Silo", environment);

        await emulator.WaitForConnectionsAsync(1, TimeSpan.FromSeconds(60));
        using var http = new HttpClient { BaseAddress = new Uri(environment["ASPNETCORE_URLS"]) };
        Assert.Equal("Healthy", await http.GetStringAsync("/health/ready"));
    }

    [Theory]
    [InlineData("Jetstream__WantedCollections__0", "*", "Jetstream:WantedCollections:0")]
    [InlineData("Jetstream__Endpoints__0", "https://jetstream1.us-west.bsky.network/subscribe", "Jetstream:Endpoints:0")]
    [InlineData("Queue__Name", "Bad_Name", "Queue:Name")]
    [InlineData("Orleans__Clustering", "Zookeeper", "Orleans:Clustering")]
    public async Task A_wrong_setting_stops_the_silo_at_start_with_a_message_naming_it(string variable, string value, string setting)
    {
        var storage = await SharedAzurite.GetConnectionStringAsync();
        var environment = SiloEnvironment(storage, "ws://127.0.0.1:1/subscribe", TestNames.Queue("bad"));
        environment[variable] = value;
        await using var silo = HostProcess.Start("Silo", environment);

        var exitCode = await silo.WaitForExitAsync(TimeSpan.FromSeconds(60));

        Assert.NotEqual(0, exitCode);
        Assert.Contains(setting, silo.OutputText());
    }

    private static async Task WaitForQueuedEventsAsync(Azure.Storage.Queues.QueueClient queue)
    {
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (DateTime.UtcNow < deadline)
        {
            try
            {
                if ((await queue.GetPropertiesAsync()).Value.ApproximateMessagesCount > 0)
                {
                    return;
                }
            }
            catch (Azure.RequestFailedException e) when (e.Status == 404)
            {
                // The silo has not created its queue yet.
            }

            await Task.Delay(200);
        }
    }

    private static Dictionary<string, string> SiloEnvironment(string storage, string endpoint, string queueName)
    {
        var id = Guid.NewGuid().ToString("N")[..10];
        return new Dictionary<string, string>
        {
            ["ConnectionStrings__AzureStorage"] = storage,
            ["Orleans__ClusterId"] = "c" + id,
            ["Orleans__ServiceId"] = "s" + id,
            ["Orleans__SiloPort"] = FreePort.Next().ToString(),
            ["Orleans__GatewayPort"] = FreePort.Next().ToString(),
            ["ASPNETCORE_URLS"] = $"http://127.0.0.1:{FreePort.Next()}",
            ["Jetstream__Endpoints__0"] = endpoint,
            ["Jetstream__InitialBackoffMs"] = "100",
            ["Jetstream__MaxBackoffMs"] = "1000",
            ["Queue__Name"] = queueName,
            ["Queue__LargeEventContainer"] = queueName + "-large",
            ["Subscriptions__Container"] = queueName + "-subs",
        };
    }
}
