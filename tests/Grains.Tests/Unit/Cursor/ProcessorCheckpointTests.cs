using Jetstream.Grains.Processing;
using Orleans.Storage;

namespace Jetstream.Grains.Tests.Unit.Cursor;

public sealed class ProcessorCheckpointTests
{
    private static readonly CursorPosition Stored = new(1_000, null, SinkHarness.V1A);

    private readonly InMemoryProcessorState _state = new();
    private readonly List<Exception> _failures = [];

    public ProcessorCheckpointTests() => _state.State.SetPosition(Stored);

    [Fact]
    public void The_acknowledged_position_is_written_after_every_n_events_and_on_the_tick_when_it_moved()
    {
        var checkpoint = New(everyCommits: 3);
        checkpoint.Acknowledged(Stored with { TimeUs = 1_001 }, 2);
        Assert.Equal(0, _state.Writes);
        checkpoint.Acknowledged(Stored with { TimeUs = 1_002 }, 1);
        Assert.Equal(1, _state.Writes);
        Assert.Equal(Stored with { TimeUs = 1_002 }, _state.Stored);

        // Skipped events only: no count reached, but the tick writes what moved.
        checkpoint.Acknowledged(Stored with { TimeUs = 1_003 }, 0);
        Assert.Equal(1, _state.Writes);
        checkpoint.Tick();
        Assert.Equal(Stored with { TimeUs = 1_003 }, _state.Stored);
        checkpoint.Tick();
        Assert.Equal(2, _state.Writes);
    }

    [Fact]
    public void A_checkpoint_refused_because_another_activation_wrote_keeps_this_ones_position_and_writes_it_at_the_next_tick()
    {
        var checkpoint = New();
        var mine = new CursorPosition(2_000, null, SinkHarness.V1B);
        checkpoint.Acknowledged(mine, 1);
        _state.RefuseNext = new InconsistentStateException("ETag mismatch (test)", "theirs", "mine");

        checkpoint.Request();
        Assert.IsType<InconsistentStateException>(Assert.Single(_failures));
        Assert.Equal(1, _state.Reads);
        Assert.Equal(mine, _state.State.GetPosition());
        Assert.Null(_state.Stored);

        checkpoint.Tick();
        Assert.Equal(mine, _state.Stored);
    }

    [Fact]
    public void A_failed_write_is_tried_again_by_the_tick()
    {
        var checkpoint = New();
        checkpoint.Acknowledged(Stored with { TimeUs = 1_500 }, 1);
        _state.RefuseNext = new TimeoutException("storage away (test)");
        checkpoint.Request();
        Assert.Single(_failures);
        Assert.Null(_state.Stored);

        checkpoint.Tick();
        Assert.Equal(Stored with { TimeUs = 1_500 }, _state.Stored);
    }

    [Fact]
    public async Task An_activation_that_moved_nothing_writes_nothing_on_the_way_out()
    {
        var checkpoint = New();
        checkpoint.Acknowledged(Stored, 0);
        checkpoint.Tick();
        Assert.True(await checkpoint.WriteIfChangedAsync());
        Assert.Equal(0, _state.Writes);

        checkpoint.Acknowledged(Stored with { TimeUs = 1_001 }, 0);
        Assert.True(await checkpoint.WriteIfChangedAsync());
        Assert.Equal(1, _state.Writes);
    }

    [Fact]
    public void Requests_while_a_write_is_out_coalesce_into_one_more_write_with_the_latest_position()
    {
        var checkpoint = New();
        var previous = SynchronizationContext.Current;
        SynchronizationContext.SetSynchronizationContext(null);
        try
        {
            _state.Hold = new TaskCompletionSource();
            checkpoint.Acknowledged(Stored with { TimeUs = 1_001 }, 1);
            checkpoint.Request();
            for (var t = 1_002; t <= 1_005; t++)
            {
                checkpoint.Acknowledged(Stored with { TimeUs = t }, 1);
                checkpoint.Request();
            }

            var hold = _state.Hold;
            _state.Hold = null;
            hold.SetResult();
            Assert.Equal(2, _state.Writes);
            Assert.Equal(Stored with { TimeUs = 1_005 }, _state.Stored);
        }
        finally
        {
            SynchronizationContext.SetSynchronizationContext(previous);
        }
    }

    [Fact]
    public void A_deleted_subscription_writes_nothing()
    {
        var checkpoint = New();
        checkpoint.Disabled = true;
        checkpoint.Acknowledged(Stored with { TimeUs = 9_999 }, 1);
        checkpoint.Request();
        Assert.Equal(0, _state.Writes);
    }

    private ProcessorCheckpoint New(int everyCommits = 100) => new(_state, everyCommits, _failures.Add);
}
