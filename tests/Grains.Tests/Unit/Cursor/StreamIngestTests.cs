using Jetstream.Grains.Interfaces;
using Jetstream.Grains.Processing;
using Microsoft.Extensions.Logging.Abstractions;

namespace Jetstream.Grains.Tests.Unit.Cursor;

/// <summary>
/// <see cref="StreamIngest"/> as the one writer of the counters and the driver of the sink's life (the grain only
/// composes): activation, the stats' reset and the way out, on a fake clock and an in-memory queue.
/// </summary>
public sealed class StreamIngestTests : IDisposable
{
    private static readonly CursorPosition Stored = new(1_000, null, SinkHarness.V1A);

    private readonly SinkHarness _harness = new();
    private readonly InMemoryProcessorState _state = new();
    private readonly ActivityWindow _window;
    private readonly ProcessorCheckpoint _checkpoint;
    private readonly StreamIngest _ingest;

    public StreamIngestTests()
    {
        _state.State.SetPosition(Stored);
        _window = new ActivityWindow(_harness.Time);
        _checkpoint = new ProcessorCheckpoint(_state, everyCommits: 1_000, _ => { });
        var frames = new FrameHandler(_harness.Sink, EventFilter.For(new Storage.Subscriptions.SubscriptionDocument { Id = "unit" }),
            new RecentEventIds(UnixMicroseconds.OfSeconds(15)), _harness.Time, _harness.Metrics, NullLogger.Instance, "unit");
        _ingest = new StreamIngest(_state, _harness.Sink, frames, _checkpoint, _window, _harness.Time, _harness.Metrics, NullLogger.Instance, "unit");
    }

    [Fact]
    public void Activation_continues_from_the_stored_position()
    {
        _ingest.RestoreStored();

        Assert.Equal(Stored, _harness.Sink.Position);
    }

    [Fact]
    public void The_way_out_hands_over_what_was_acknowledged_and_gives_up_a_write_that_did_not_finish()
    {
        _ingest.RestoreStored();
        // Each of its own DID, so the two messages are out together (a DID's go one after another).
        foreach (var timeUs in new long[] { 1_001, 1_002, 1_003, 1_004, 1_005, 1_006 })
        {
            _harness.Add(timeUs, did: "did:plc:t" + timeUs);
        }

        Assert.Equal(2, _harness.Queue.Attempts.Count);
        _harness.Queue.Attempts[0].Acknowledge();

        var stopping = _ingest.StopAsync(TimeSpan.FromSeconds(2));
        Assert.False(stopping.IsCompleted, "The way out waits for the write still in flight.");
        _harness.Time.Advance(TimeSpan.FromSeconds(3));
        Assert.True(stopping.IsCompletedSuccessfully);

        // The first message's three events are counted and the checkpoint holds their position; the second, never
        // acknowledged, is not covered, so it replays.
        Assert.Equal(3, _state.State.Counters.QueuedEvents);
        Assert.Equal(Stored with { TimeUs = 1_003 }, _checkpoint.Position);
        _harness.Queue.Attempts[1].Acknowledge();
        Assert.Equal(Stored with { TimeUs = 1_003 }, _harness.Sink.Position);
    }

    [Fact]
    public void Resetting_the_counters_starts_them_and_the_window_again_and_writes_them()
    {
        _ingest.RestoreStored();
        _harness.Add(1_001);
        _harness.Add(1_002);
        _harness.Add(1_003);
        _harness.Queue.Attempts[0].Acknowledge();
        _ingest.TakeAcknowledged();
        Assert.Equal(3, _state.State.Counters.QueuedEvents);
        var writes = _state.Writes;

        _ingest.ResetCounters();

        Assert.Equal(0, _state.State.Counters.QueuedEvents);
        Assert.Equal(0, _window.RecentMinutes().Sum(m => m.Counts.Values.Sum()));
        Assert.Equal(writes + 1, _state.Writes);
    }

    public void Dispose() => _harness.Dispose();
}
