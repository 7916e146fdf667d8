using System.Diagnostics.Metrics;
using Jetstream.Storage;
using Jetstream.Grains.Processing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;

namespace Jetstream.Grains.Tests.Unit;

public sealed class ProcessorCountersTests
{
    [Fact]
    public void Acknowledged_events_are_counted_per_collection_in_the_totals_the_window_and_the_queued_metric()
    {
        var time = new FakeTimeProvider(DateTimeOffset.Parse("2026-12-03T18:00:30Z", System.Globalization.CultureInfo.InvariantCulture));
        using var services = new ServiceCollection().AddMetrics().BuildServiceProvider();
        var metrics = new ProcessorMetrics(services.GetRequiredService<IMeterFactory>(), time);
        var queued = new Dictionary<string, long>(StringComparer.Ordinal);
        using var listener = new MeterListener();
        listener.InstrumentPublished = (instrument, l) =>
        {
            if (instrument.Meter.Name == ProcessorMetrics.MeterName && instrument.Name == "jetstream.commits.queued")
            {
                l.EnableMeasurementEvents(instrument);
            }
        };
        listener.SetMeasurementEventCallback<long>((_, value, tags, _) =>
        {
            var collection = (string)tags.ToArray().Single(t => t.Key == "collection").Value!;
            queued[collection] = queued.GetValueOrDefault(collection) + value;
        });
        listener.Start();

        var counters = new ProcessorCounters();
        counters.EventCounts["app.bsky.feed.like"] = 10;
        var window = new ActivityWindow(time);
        string[] collections = ["app.bsky.feed.post", "app.bsky.feed.like", "app.bsky.feed.post", "app.bsky.graph.follow", "app.bsky.feed.post"];
        var events = collections.Select((c, i) => Pending(c, timeUs: 1_000 + i, large: i == 3)).ToList();

        Assert.Equal(5, counters.Acknowledge(events, time.GetUtcNow(), window, metrics));

        Assert.Equal(new Dictionary<string, long> { ["app.bsky.feed.like"] = 11, ["app.bsky.feed.post"] = 3, ["app.bsky.graph.follow"] = 1 }, counters.EventCounts);
        Assert.Equal(5, counters.TotalEvents);
        Assert.Equal(5, counters.QueuedEvents);
        Assert.Equal(1, counters.OffloadedEvents);
        Assert.Equal(1_004, counters.LastEventTimeUs);
        Assert.Equal(new Dictionary<string, long> { ["app.bsky.feed.post"] = 3, ["app.bsky.feed.like"] = 1, ["app.bsky.graph.follow"] = 1 }, queued);
        var minute = Assert.Single(window.RecentMinutes());
        Assert.Equal(new Dictionary<string, long> { ["app.bsky.feed.post"] = 3, ["app.bsky.feed.like"] = 1, ["app.bsky.graph.follow"] = 1 }, minute.Counts);
        time.Advance(TimeSpan.FromSeconds(1));
        Assert.Equal(5 / 60.0, window.EventsPerSecond());
    }

    [Fact]
    public void Each_frame_is_counted_as_received_and_under_what_it_turned_out_to_be()
    {
        var counters = new ProcessorCounters();
        foreach (var outcome in Enum.GetValues<FrameOutcome>())
        {
            counters.Count(outcome);
        }

        counters.Count(FrameOutcome.Duplicate);
        Assert.Equal(Enum.GetValues<FrameOutcome>().Length + 1, counters.TotalReceived);
        Assert.Equal((1, 1, 2, 1, 1, 1), (counters.OversizeFrames, counters.ParseErrors, counters.DuplicatesDropped, counters.SkippedIdentityEvents, counters.SkippedAccountEvents, counters.SkippedNonMatchingCommits));
        Assert.Equal(0, counters.QueuedEvents);
    }

    private static PendingEvent Pending(string collection, long timeUs, bool large) => new(
        new QueuedEvent
        {
            EventId = EventIds.ForCommit("did:plc:a", collection, "rkey" + timeUs, "rev", "create"),
            QueuedAt = DateTimeOffset.UnixEpoch,
            Did = "did:plc:a",
            TimeUs = timeUs,
            EventJson = large ? default : "{}"u8.ToArray(),
            BlobName = large ? "blob.json" : null,
        },
        collection,
        default);
}
