using Jetstream.Emulator;
using Jetstream.Grains.Interfaces;
using Jetstream.TestSupport;
using Xunit.Abstractions;

namespace Jetstream.Grains.Tests.Integration;

/// <summary>Each way the server can no longer serve what the cursor asks for ends in a recorded gap with its bounds, and reading goes on.</summary>
public sealed class GapTests(ITestOutputHelper output)
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task CursorTooOld_resumes_at_the_floor_and_records_the_gap_in_seq()
    {
        await using var scenario = await IngestionScenario.StartAsync("gap-old", endpoint: e => e.SubscribeEventsUri);
        var (queued, lastSeq) = await QueueFirstBatchAsync(scenario, seed: 51);

        // Events the server filters out move its seq but not ours; trimmed, they leave our cursor below the floor.
        scenario.Emulator.PublishMany(Unwanted(200));
        var floor = scenario.Emulator.Trim();
        scenario.Emulator.DropAllConnections();

        var gap = await WaitForGapAsync(scenario, "CursorTooOld");
        Assert.Equal((lastSeq + 1, floor, "seq"), (gap.From, gap.To, gap.Unit));
        Assert.Equal(scenario.Emulator.SubscribeEventsUri.ToString(), gap.Endpoint);
        await Eventually.HoldsAsync(async () => (await scenario.Processor.GetStatus()).Connected, Timeout, "reconnected at the floor");
        Assert.Contains($"cursor={floor}&", scenario.Emulator.RequestedUrls[^1]);
        await AssertReadingGoesOnAsync(scenario, queued);
        Assert.Contains((await scenario.Processor.GetStats()).Gaps, g => g.Reason == "CursorTooOld");
    }

    [Fact]
    public async Task OutdatedCursor_records_the_gap_from_the_cursor_to_the_first_event_served()
    {
        await using var scenario = await IngestionScenario.StartAsync("gap-outdated", endpoint: e => e.SubscribeEventsUri);
        await QueueFirstBatchAsync(scenario, seed: 52);
        var from = scenario.Emulator.Log[0].TimeUs;
        var floor = scenario.Emulator.Trim(scenario.Emulator.NextSeq - 20);
        var firstServed = scenario.Emulator.Log.First(e => e.Seq >= floor && e.Kind == "commit" && Wanted(e));

        // A replay resumes by time; the server clamps it to what it still has and says so with #info OutdatedCursor.
        Assert.True((await scenario.Processor.Replay(UnixMicroseconds.ToTime(from))).Accepted);

        var gap = await WaitForGapAsync(scenario, "OutdatedCursor");
        Assert.Equal((from, firstServed.TimeUs, "time_us"), (gap.From, gap.To, gap.Unit));
    }

    [Fact]
    public async Task A_v1_resume_later_than_the_retention_allows_is_recorded_as_a_gap()
    {
        await using var scenario = await IngestionScenario.StartAsync(
            "gap-v1", new EmulatorOptions { Retention = TimeSpan.FromSeconds(2) }, configure: s => s["Jetstream:ServerRetentionSeconds"] = "2");
        var (queued, _) = await QueueFirstBatchAsync(scenario, seed: 53);
        var from = scenario.Emulator.Log[0].TimeUs;
        await Task.Delay(TimeSpan.FromSeconds(3));
        scenario.Emulator.PublishMany(IngestionScenario.MixedEvents(seed: 54, count: 50));
        // The server's own filter lets identity and account events through, and the commits of the wanted collections.
        var firstServed = scenario.Emulator.Log.First(e => e.Kind != "commit" || Wanted(e));
        Assert.True(firstServed.TimeUs - from > 2_000_000, "precondition: the first batch has left the server's retention");

        // v1 clamps silently: only the distance between the cursor and the first event served shows the gap.
        Assert.True((await scenario.Processor.Replay(UnixMicroseconds.ToTime(from))).Accepted);

        var gap = await WaitForGapAsync(scenario, "RetentionExceeded");
        Assert.Equal((from, firstServed.TimeUs, "time_us"), (gap.From, gap.To, gap.Unit));
        output.WriteLine($"gap {gap.From} → {gap.To} ({(gap.To - gap.From) / 1e6:F1} s)");
    }

    [Fact]
    public async Task ConsumerTooSlow_resumes_at_the_cursor_it_names_without_a_gap()
    {
        await using var scenario = await IngestionScenario.StartAsync("gap-slow", endpoint: e => e.SubscribeEventsUri);
        var (queued, lastSeq) = await QueueFirstBatchAsync(scenario, seed: 55);

        Assert.Equal(1, scenario.Emulator.SignalConsumerTooSlow());

        await Eventually.HoldsAsync(async () => scenario.Emulator.ConnectionsAccepted == 2 && (await scenario.Processor.GetStatus()).Connected, Timeout, "reconnected");
        var status = await scenario.Processor.GetStatus();
        Assert.Contains("ConsumerTooSlow", status.LastError);
        // The server names the seq after the last event it walked: the last wanted one (live), or, when the first
        // connection replayed from the subscription's creation, the last one it passed over unsent. Either is no gap:
        // nothing wanted lies between the last event queued and the named cursor.
        var named = long.Parse(System.Text.RegularExpressions.Regex.Match(status.LastError!, @"cursor=(\d+)").Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture);
        Assert.InRange(named, lastSeq + 1, scenario.Emulator.Log[^1].Seq + 1);
        Assert.Contains($"cursor={named}&", scenario.Emulator.RequestedUrls[^1]);
        Assert.Empty(status.Gaps);
        await AssertReadingGoesOnAsync(scenario, queued);
    }

    private static async Task<(List<Storage.QueuedEvent> Queued, long LastSeq)> QueueFirstBatchAsync(IngestionScenario scenario, int seed)
    {
        scenario.Emulator.PublishMany(IngestionScenario.MixedEvents(seed, count: 300));
        var expected = scenario.ExpectedCommits();
        var queued = await scenario.DrainQueueAsync(expected.Count, Timeout);
        var lastSeq = expected[^1].Seq;
        await Eventually.HoldsAsync(async () => (await scenario.Processor.GetStats()).Cursor >= expected[^1].TimeUs, Timeout, "the cursor at the last commit");
        return (queued, lastSeq);
    }

    private static async Task AssertReadingGoesOnAsync(IngestionScenario scenario, List<Storage.QueuedEvent> queued)
    {
        var before = scenario.ExpectedCommits();
        scenario.Emulator.PublishMany(IngestionScenario.MixedEvents(seed: 99, count: 300));
        var after = scenario.ExpectedCommits().Skip(before.Count).ToList();
        var more = await scenario.DrainQueueAsync(after.Count, Timeout);
        IngestionTests.AssertExactlyOnce(after, more);
    }

    private static async Task<StreamGap> WaitForGapAsync(IngestionScenario scenario, string reason)
    {
        StreamGap? gap = null;
        await Eventually.HoldsAsync(async () => (gap = (await scenario.Processor.GetStatus()).Gaps.FirstOrDefault(g => g.Reason == reason)) is not null, Timeout, $"a {reason} gap in /status");
        return gap!;
    }

    private static bool Wanted(LoggedEvent e) => e.Collection is { } c && IngestionScenario.Wanted.Any(w => c.StartsWith(w[..^1], StringComparison.Ordinal));

    private static IEnumerable<string> Unwanted(int count) =>
        new EventGenerator(7, new GeneratorProfile { CommitShare = 1.0, Collections = ["app.bsky.feed.like"] }).Take(count);
}
