using System.Diagnostics;
using Azure.Storage.Blobs;
using Jetstream.EventQueue;
using Microsoft.Extensions.Logging;

namespace Jetstream.Grains.Processing;

/// <summary>
/// Packs matching commits into queue messages, keeps a bounded number of writes in flight, retries each write until it
/// succeeds, and derives the cursor: the highest <c>time_us</c> such that every event up to it is either skipped or in
/// a message the queue has acknowledged. Single-threaded by design: it lives on the grain's scheduler.
/// </summary>
public sealed class QueueSink(
    EventQueueClients queue,
    int maxInFlight,
    TimeSpan maxRetryDelay,
    TimeProvider time,
    ProcessorMetrics metrics,
    ILogger logger,
    string processorKey)
{
    private readonly Queue<Batch> _inFlight = new();
    private List<PendingEvent> _pending = [];
    private int _pendingBytes;
    private long _seenTimeUs;
    private int _failingWrites;

    /// <summary>Called once per acknowledged message, in stream order.</summary>
    public event Action<IReadOnlyList<PendingEvent>>? Sent;

    /// <summary>Called after any write finishes, so the owner can <see cref="Collect"/> even when no frame arrives.</summary>
    public event Action? WriteFinished;

    public long? Cursor { get; private set; }

    /// <summary>True while a write is failing and being retried: the reader must not go on.</summary>
    public bool IsPaused => _failingWrites > 0;

    public string? LastError { get; private set; }

    public bool HasCapacity => _inFlight.Count < maxInFlight;

    public bool IsIdle => _pending.Count == 0 && _inFlight.Count == 0;

    /// <summary>Whether a message written earlier is not yet collected (acknowledged and passed over by <see cref="Collect"/>).</summary>
    public bool HasWriteInFlight => _inFlight.Count > 0;

    public void Restore(long? cursor)
    {
        Cursor = cursor;
        _seenTimeUs = cursor ?? 0;
    }

    /// <summary>An event handled without queueing (skipped, duplicate).</summary>
    public void Skip(long timeUs)
    {
        _seenTimeUs = Math.Max(_seenTimeUs, timeUs);
        if (IsIdle)
        {
            Cursor = Math.Max(Cursor ?? 0, _seenTimeUs);
        }
    }

    /// <summary>Adds a matching commit; the event's JSON must stay valid until the message is acknowledged.</summary>
    public void Add(QueuedEvent queuedEvent, string collection, CancellationToken stopping)
    {
        _seenTimeUs = Math.Max(_seenTimeUs, queuedEvent.TimeUs);
        PendingEvent pending;
        if (QueueMessageCodec.EstimateSize(queuedEvent) + QueueMessageCodec.MessageOverheadBytes > queue.Options.MaxMessageBytes)
        {
            pending = new PendingEvent(queuedEvent with { EventJson = default, BlobName = queue.BlobNameFor(queuedEvent.EventId) }, collection, queuedEvent.EventJson);
        }
        else
        {
            pending = new PendingEvent(queuedEvent, collection, default);
        }

        var size = QueueMessageCodec.EstimateSize(pending.Event);
        if (_pending.Count > 0 && _pendingBytes + size + QueueMessageCodec.MessageOverheadBytes > queue.Options.MaxMessageBytes)
        {
            Flush(stopping);
        }

        _pending.Add(pending);
        _pendingBytes += size;
        if (_pending.Count >= queue.Options.MaxEventsPerMessage)
        {
            Flush(stopping);
        }
    }

    /// <summary>Starts writing what is pending as one message, without waiting for it.</summary>
    public void Flush(CancellationToken stopping)
    {
        if (_pending.Count == 0)
        {
            return;
        }

        var batch = new Batch(_pending, _seenTimeUs);
        batch.Completion = SendAsync(batch, stopping);
        _inFlight.Enqueue(batch);
        _ = NotifyWhenFinishedAsync(batch.Completion);
        _pending = [];
        _pendingBytes = 0;
    }

    /// <summary>Moves the cursor over every acknowledged message at the head of the line. Returns whether it moved.</summary>
    public bool Collect()
    {
        var before = Cursor;
        while (_inFlight.TryPeek(out var head) && head.Completion.IsCompletedSuccessfully)
        {
            _inFlight.Dequeue();
            Cursor = Math.Max(Cursor ?? 0, head.CursorAfter);
            Sent?.Invoke(head.Events);
        }

        if (IsIdle && _seenTimeUs > 0)
        {
            Cursor = Math.Max(Cursor ?? 0, _seenTimeUs);
        }

        return Cursor != before;
    }

    /// <summary>Waits until another write may start (backpressure on the reader).</summary>
    public async Task WaitForCapacityAsync()
    {
        while (!HasCapacity)
        {
            await _inFlight.Peek().Completion;
            Collect();
        }
    }

    /// <summary>Writes everything pending and waits for every write; throws if <paramref name="stopping"/> ends the wait first.</summary>
    public async Task DrainAsync(CancellationToken stopping)
    {
        Flush(stopping);
        while (_inFlight.TryPeek(out var head))
        {
            await head.Completion.WaitAsync(stopping);
            Collect();
        }
    }

    /// <summary>Forgets writes that can no longer complete (deactivation): their events are replayed from the cursor.</summary>
    public void Abandon()
    {
        _inFlight.Clear();
        _pending = [];
        _pendingBytes = 0;
    }

    private async Task NotifyWhenFinishedAsync(Task write)
    {
        await write.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing | ConfigureAwaitOptions.ContinueOnCapturedContext);
        WriteFinished?.Invoke();
    }

    private async Task SendAsync(Batch batch, CancellationToken stopping)
    {
        var body = QueueMessageCodec.Encode(batch.Events.Select(e => e.Event).ToArray());
        for (var attempt = 1; ; attempt++)
        {
            var started = time.GetTimestamp();
            try
            {
                foreach (var e in batch.Events)
                {
                    if (e.Event.BlobName is { } blobName)
                    {
                        await queue.LargeEvents.GetBlobClient(blobName).UploadAsync(new BinaryData(e.BlobBody), overwrite: true, stopping);
                    }
                }

                await queue.Queue.SendMessageAsync(body, visibilityTimeout: null, timeToLive: TimeSpan.FromSeconds(-1), stopping);
                metrics.QueueSent(time.GetElapsedTime(started));
                if (attempt > 1)
                {
                    _failingWrites--;
                    LastError = null;
                    Log.QueueRecovered(logger, processorKey, attempt);
                }

                return;
            }
            catch (Exception ex) when (!stopping.IsCancellationRequested)
            {
                if (attempt == 1)
                {
                    _failingWrites++;
                }

                metrics.QueueSendFailed();
                LastError = $"Queue write failed: {ex.GetType().Name}: {FirstLine(ex.Message)}";
                var delay = TimeSpan.FromMilliseconds(Math.Min(maxRetryDelay.TotalMilliseconds, 100 * Math.Pow(2, Math.Min(attempt - 1, 16))));
                Log.QueueWriteFailed(logger, ex, processorKey, attempt, delay);
                await Task.Delay(delay, time, stopping);
            }
        }
    }

    private static string FirstLine(string message)
    {
        var newline = message.IndexOf('\n');
        return newline < 0 ? message : message[..newline].TrimEnd();
    }

    [DebuggerDisplay("{Events.Count} events up to {CursorAfter}")]
    private sealed class Batch(List<PendingEvent> events, long cursorAfter)
    {
        public List<PendingEvent> Events { get; } = events;

        public long CursorAfter { get; } = cursorAfter;

        public Task Completion { get; set; } = Task.CompletedTask;
    }
}
