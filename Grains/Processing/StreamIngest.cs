using Jetstream.Grains.Connection;
using Jetstream.Grains.Interfaces;
using Microsoft.Extensions.Logging;

namespace Jetstream.Grains.Processing;

/// <summary>
/// What the processor does with each thing its connection yields: a frame goes through the <see cref="FrameHandler"/>
/// into the <see cref="QueueSink"/> (with backpressure), an idle moment lets the sink write, a gap is recorded, a
/// session's end drains the sink. <see cref="AfterProgress"/> takes what the sink acknowledged into the counters and
/// the cursor's endpoint. Calls go one way: to the sink, never back.
/// </summary>
public sealed class StreamIngest(
    IPersistentState<ProcessorState> state,
    QueueSink sink,
    FrameHandler frames,
    CursorPlanner cursors,
    ProcessorCheckpoint checkpoint,
    JetstreamConnection connection,
    ActivityWindow window,
    TimeProvider time,
    ProcessorMetrics metrics,
    ILogger logger,
    string key,
    CancellationToken stopSending)
{
    private string? _endpoint;
    private bool _sessionMadeProgress;
    private long? _seenCursor, _seenSeq;

    private ProcessorCounters Counters => state.State.Counters;

    public async Task HandleAsync(ConnectionEvent next, CancellationToken stopping)
    {
        switch (next.Kind)
        {
            case ConnectionEventKind.SessionStarted:
                _endpoint = next.Endpoint;
                _sessionMadeProgress = false;
                break;
            case ConnectionEventKind.Frame:
                await HandleFrameAsync(next.Frame, stopping);
                break;
            case ConnectionEventKind.Idle:
                sink.ReaderIdle(stopSending);
                AfterProgress();
                break;
            case ConnectionEventKind.Gap:
                RecordGap(next.Gap!);
                break;
            case ConnectionEventKind.SessionEnded:
                await sink.DrainAsync(stopping);
                AfterProgress();
                cursors.SessionEnded(_sessionMadeProgress);
                Counters.Reconnects++;
                metrics.Reconnected();
                checkpoint.Request();
                break;
        }
    }

    /// <summary>Takes what the sink acknowledged: counters, and the cursor with the endpoint it now belongs to.</summary>
    public void AfterProgress()
    {
        // The sink also collects by itself (when a write finishes), so compare with what was last seen here.
        sink.Collect();
        if (sink.Cursor != _seenCursor || sink.CursorSeq != _seenSeq)
        {
            (_seenCursor, _seenSeq) = (sink.Cursor, sink.CursorSeq);
            state.State.CursorEndpoint = _endpoint ?? state.State.CursorEndpoint;
            metrics.Cursor(sink.Cursor);
        }

        if (sink.Acknowledged.Count > 0)
        {
            checkpoint.Acknowledged(Counters.Acknowledge(sink.Acknowledged, time.GetUtcNow(), window, metrics));
            sink.Acknowledged.Clear();
        }
    }

    private async Task HandleFrameAsync(WireFrame frame, CancellationToken stopping)
    {
        sink.ReaderBusy();
        checkpoint.Changed();
        if (frames.Handle(frame, cursors.Floor, Counters, stopSending))
        {
            _sessionMadeProgress = true;
            connection.ReportProgress();
        }

        AfterProgress();
        if (!sink.HasCapacity)
        {
            // Backpressure: the socket is not read until a write slot is free.
            await sink.WaitForCapacityAsync().WaitAsync(stopping);
            AfterProgress();
        }
    }

    private void RecordGap(StreamGap gap)
    {
        Counters.RecordGap(gap);
        metrics.Gap(gap.Reason);
        Log.GapRecorded(logger, key, gap.Endpoint, gap.Reason, gap.From, gap.To, gap.Unit);
        checkpoint.Request();
    }
}
