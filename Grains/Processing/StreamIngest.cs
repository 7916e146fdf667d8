using Jetstream.Grains.Connection;
using Jetstream.Grains.Interfaces;
using Microsoft.Extensions.Logging;

namespace Jetstream.Grains.Processing;

/// <summary>
/// What the processor does with each thing its connection yields, one way: a frame goes through the
/// <see cref="FrameHandler"/> (decode, filter) into the <see cref="QueueSink"/> (with backpressure), an idle moment lets
/// the sink write, a gap is recorded, a session's end drains the sink. <see cref="TakeAcknowledged"/> hands what the sink
/// acknowledged to the counters and the checkpoint. It alone counts (the frame handler returns what a frame was), and it
/// alone drives the sink's life (restore, sessions, the way out; the frame handler only hands it events), so the
/// counters, the activity window and the sink's position each have one writer. It never calls the connection: whether
/// a frame was progress is its answer to <see cref="HandleAsync"/>.
/// </summary>
public sealed class StreamIngest(
    IPersistentState<ProcessorState> state,
    QueueSink sink,
    FrameHandler frames,
    ProcessorCheckpoint checkpoint,
    ActivityWindow window,
    TimeProvider time,
    ProcessorMetrics metrics,
    ILogger logger,
    string key)
{
    // Cancelled on the way out only: writes are retried until then, whatever the read loop does.
    private readonly CancellationTokenSource _stopSending = new();
    private ResumeFloor _floor;

    private ProcessorCounters Counters => state.State.Counters;

    /// <summary>At activation: the sink continues from the stored position.</summary>
    public void RestoreStored() => sink.Restore(state.State.GetPosition());

    /// <summary>Starts the counters again (the stats' reset); written with the next checkpoint.</summary>
    public void ResetCounters()
    {
        state.State.Counters = new ProcessorCounters();
        window.Clear();
        checkpoint.Request();
    }

    /// <summary>
    /// The way out, once the read loop has ended: waits up to <paramref name="drainLimit"/> for the writes in flight,
    /// hands over what was acknowledged, and gives up the rest: writes that could not finish are not acknowledged, so
    /// the cursor does not cover them and they replay.
    /// </summary>
    public async Task StopAsync(TimeSpan drainLimit)
    {
        using (var limit = new CancellationTokenSource(drainLimit, time))
        {
            await sink.DrainAsync(limit.Token).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing | ConfigureAwaitOptions.ContinueOnCapturedContext);
        }

        TakeAcknowledged();
        _stopSending.Cancel();
        sink.Abandon();
    }

    /// <summary>A connection is about to be opened as <paramref name="plan"/> says (between sessions: the sink is idle).</summary>
    public void Begin(in ResumePlan plan)
    {
        sink.Restore(plan.Start, plan.Endpoint);
        _floor = plan.Floor;
    }

    /// <summary>Continues from <paramref name="position"/> (a replay, between sessions) and checkpoints it.</summary>
    public void MoveTo(CursorPosition position)
    {
        sink.Restore(position);
        TakeAcknowledged();
        checkpoint.Request();
    }

    /// <summary>Handles what the connection yielded; returns whether it was a new event (the session makes progress).</summary>
    public async Task<bool> HandleAsync(ConnectionEvent next, CancellationToken stopping)
    {
        switch (next.Kind)
        {
            case ConnectionEventKind.Frame:
                return await HandleFrameAsync(next.Frame, stopping);
            case ConnectionEventKind.Idle:
                sink.ReaderIdle(_stopSending.Token);
                TakeAcknowledged();
                break;
            case ConnectionEventKind.Gap:
                RecordGap(next.Gap!);
                break;
            case ConnectionEventKind.SessionEnded:
                await sink.DrainAsync(stopping);
                TakeAcknowledged();
                Counters.Reconnects++;
                metrics.Reconnected();
                checkpoint.Request();
                break;
        }

        return false;
    }

    /// <summary>Hands what the sink acknowledged to the counters and the checkpoint.</summary>
    public void TakeAcknowledged()
    {
        if (!sink.TryTakeAcknowledged(out var acknowledged))
        {
            return;
        }

        var events = acknowledged.Events.Count > 0 ? Counters.Acknowledge(acknowledged.Events, time.GetUtcNow(), window, metrics) : 0;
        checkpoint.Acknowledged(acknowledged.Position, events);
        metrics.Cursor(acknowledged.Position.TimeUs);
    }

    private async Task<bool> HandleFrameAsync(WireFrame frame, CancellationToken stopping)
    {
        sink.ReaderBusy();
        checkpoint.Changed();
        var outcome = frames.Handle(frame, _floor, _stopSending.Token);
        Counters.Count(outcome);
        TakeAcknowledged();
        if (!sink.HasCapacity)
        {
            // Backpressure: the socket is not read until a write slot is free.
            await sink.WaitForCapacityAsync().WaitAsync(stopping);
            TakeAcknowledged();
        }

        return outcome is not (FrameOutcome.Oversize or FrameOutcome.ParseError or FrameOutcome.Duplicate);
    }

    private void RecordGap(StreamGap gap)
    {
        Counters.RecordGap(gap);
        metrics.Gap(gap.Reason);
        Log.GapRecorded(logger, key, gap.Endpoint, gap.Reason, gap.From, gap.To, gap.Unit);
        checkpoint.Request();
    }
}
