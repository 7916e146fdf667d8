using System.Text;
using System.Text.Json;
using Jetstream.Emulator;
using Jetstream.Storage;
using Jetstream.TestSupport;
using Xunit.Abstractions;

namespace Jetstream.Grains.Tests.Integration;

public sealed class IngestionTests(ITestOutputHelper output)
{
    [Fact]
    public async Task Ten_thousand_mixed_events_queue_exactly_the_matching_commits_once_with_their_original_bodies()
    {
        await using var scenario = await IngestionScenario.StartAsync("mixed");
        var started = DateTime.UtcNow;
        scenario.Emulator.PublishMany(IngestionScenario.MixedEvents(seed: 11, count: 10_000));
        var expected = scenario.ExpectedCommits();

        var queued = await scenario.DrainQueueAsync(expected.Count, TimeSpan.FromSeconds(90));
        var elapsed = DateTime.UtcNow - started;

        AssertExactlyOnce(expected, queued);
        // The server filters collections, so the processor receives the matching commits and every identity/account event.
        var sentByServer = scenario.Emulator.Log.Count(e => e.Kind != "commit") + expected.Count;
        await Eventually.HoldsAsync(async () => (await scenario.Processor.GetStats()).TotalReceived == sentByServer, TimeSpan.FromSeconds(10), $"{sentByServer} events received");
        var stats = await scenario.Processor.GetStats();
        Assert.Equal(expected.Count, stats.TotalEvents);
        Assert.Equal(0, stats.ParseErrors);
        Assert.Equal(scenario.Emulator.Log.Count(e => e.Kind == "identity"), stats.SkippedIdentityEvents);
        Assert.Equal(scenario.Emulator.Log.Count(e => e.Kind == "account"), stats.SkippedAccountEvents);
        Assert.Equal(expected.GroupBy(e => e.Collection!).ToDictionary(g => g.Key, g => (long)g.Count()), stats.EventCounts);
        var lastSent = scenario.Emulator.Log.Last(e => e.Kind != "commit" || expected.Contains(e));
        Assert.Equal(lastSent.TimeUs, stats.Cursor);
        Assert.Equal(1, scenario.Emulator.ConnectionsAccepted);
        output.WriteLine($"published 10000 events, server sent {sentByServer}, {expected.Count} matching commits; queued {queued.Count}, duplicates 0; elapsed {elapsed.TotalSeconds:F1} s");
    }

    [Fact]
    public async Task A_socket_dropped_every_500_events_still_queues_each_commit_exactly_once()
    {
        await using var scenario = await IngestionScenario.StartAsync("drops", new EmulatorOptions { DropEveryNEvents = 500 });
        var started = DateTime.UtcNow;
        scenario.Emulator.PublishMany(IngestionScenario.MixedEvents(seed: 12, count: 10_000));
        var expected = scenario.ExpectedCommits();

        var queued = await scenario.DrainQueueAsync(expected.Count, TimeSpan.FromSeconds(120));

        AssertExactlyOnce(expected, queued);
        var stats = await scenario.Processor.GetStats();
        Assert.True(stats.Reconnects >= 19, $"expected at least 19 reconnects, saw {stats.Reconnects}");
        output.WriteLine($"published 10000 events, {expected.Count} matching commits; queued {queued.Count}; reconnects {stats.Reconnects}; replayed duplicates dropped {stats.DuplicatesDropped}; elapsed {(DateTime.UtcNow - started).TotalSeconds:F1} s");
    }

    internal static void AssertExactlyOnce(IReadOnlyList<LoggedEvent> expected, IReadOnlyList<QueuedEvent> queued)
    {
        var byId = queued.GroupBy(e => e.EventId).ToDictionary(g => g.Key, g => g.ToList());
        var duplicates = byId.Where(kv => kv.Value.Count > 1).Select(kv => kv.Key).ToList();
        Assert.True(duplicates.Count == 0, $"{duplicates.Count} events queued more than once, e.g. {duplicates.FirstOrDefault()}");
        Assert.Equal(expected.Count, queued.Count);
        foreach (var e in expected)
        {
            var id = EventIdOf(e.Json);
            Assert.True(byId.TryGetValue(id, out var copies), $"event {e.TimeUs} ({id}) missing from the queue");
            Assert.Equal(e.Json, Encoding.UTF8.GetString(copies[0].EventJson.Span));
        }
    }

    internal static string EventIdOf(string json)
    {
        using var doc = JsonDocument.Parse(json);
        var commit = doc.RootElement.GetProperty("commit");
        return EventIds.ForCommit(
            doc.RootElement.GetProperty("did").GetString()!,
            commit.GetProperty("collection").GetString()!,
            commit.GetProperty("rkey").GetString()!,
            commit.GetProperty("rev").GetString()!,
            commit.GetProperty("operation").GetString()!);
    }
}
