using Jetstream.Grains.Connection;

namespace Jetstream.Grains.Processing;

/// <summary>
/// The processor's reading loop, one way round: ask the connection what happens next; when an attempt is due, plan the
/// resume (<see cref="CursorPlanner"/>) from the sink's position and only then connect at the planned cursor; hand what
/// comes to <see cref="StreamIngest"/> (decode, filter, queue, checkpoint); tell the connection when a session made
/// progress. While the subscription is disabled it waits instead of reading. The grain keeps its Orleans surface and
/// composes this; the loop runs on the grain's scheduler, so nothing here is shared across threads.
/// </summary>
public sealed class ReadingLoop(JetstreamConnection connection, CursorPlanner cursors, StreamIngest ingest, QueueSink sink, TimeProvider time)
{
    private CancellationTokenSource? _paused;

    /// <summary>Whether the subscription reads; set by the grain as the settings say, read by the loop at each step.</summary>
    public bool Enabled { get; set; }

    /// <summary>True while the loop waits because the subscription is disabled.</summary>
    public bool IsPaused => _paused is not null;

    /// <summary>Ends the current session, or the paused wait, so the loop starts over with what changed.</summary>
    public void Interrupt()
    {
        connection.Interrupt();
        _paused?.Cancel();
    }

    /// <summary>Reads until <paramref name="stopping"/> is cancelled; returns then, without throwing.</summary>
    public async Task RunAsync(CancellationToken stopping)
    {
        try
        {
            while (true)
            {
                if (!Enabled)
                {
                    await PausedAsync(stopping);
                    continue;
                }

                var next = await connection.NextAsync(stopping);
                if (next.Kind == ConnectionEventKind.ReadyToConnect)
                {
                    // The plan is made first, from the sink's position; the connection only uses the cursor it is given.
                    StartPendingReplay();
                    var plan = cursors.Plan(next, sink.Position);
                    ingest.Begin(plan);
                    next = await connection.ConnectAsync(plan.Cursor, stopping);
                }

                if (await ingest.HandleAsync(next, stopping))
                {
                    connection.Progressed();
                }
            }
        }
        catch (OperationCanceledException) when (stopping.IsCancellationRequested)
        {
        }
    }

    private async Task PausedAsync(CancellationToken stopping)
    {
        using var paused = CancellationTokenSource.CreateLinkedTokenSource(stopping);
        _paused = paused;
        StartPendingReplay();
        await Task.Delay(Timeout.InfiniteTimeSpan, time, paused.Token).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing | ConfigureAwaitOptions.ContinueOnCapturedContext);
        _paused = null;
        stopping.ThrowIfCancellationRequested();
    }

    /// <summary>Between sessions or while paused (the sink is idle then): a requested replay moves the position back.</summary>
    private void StartPendingReplay()
    {
        if (cursors.TakeReplay() is { } start)
        {
            ingest.MoveTo(start);
        }
    }
}
