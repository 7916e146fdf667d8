using System.Diagnostics;
using Azure.Storage.Blobs;
using Jetstream.EventQueue;
using Microsoft.Extensions.Logging;

namespace Jetstream.Grains.Processing;

/// <summary>
/// Packs matching commits into queue messages (of the version <c>Queue:MessageVersion</c> says, see
/// <see cref="MessagePacker"/>), keeps a bounded number of writes in flight, retries each write until it
/// succeeds, and derives the cursor: the highest <c>time_us</c> such that every event up to it is either skipped or in
/// a message the queue has acknowledged (and, on the v2 wire, the same for the sequence number). It decides alone when a
/// message is written: when it is full, when the reader has nothing more (<see cref="ReaderIdle"/>), and when a write
/// finishes while the reader is idle. Its owner calls it; it reports back only through what <see cref="Collect"/>
/// returns and <see cref="Acknowledged"/> holds. Single-threaded by design: it lives on the grain's scheduler.
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
    private readonly MessagePacker _packer = MessagePacker.Create(queue.Options);
    private List<PendingEvent> _pending = [];
    private long _seenTimeUs;
    private long? _seenSeq;
    private int _failingWrites;
    private bool _readerIdle;
    private CancellationToken _stopping;

    public long? Cursor { get; private set; }

    /// <summary>The v2 sequence number up to which every event is handled; null on v1 or before the first v2 event.</summary>
    public long? CursorSeq { get; private set; }

    /// <summary>Events of the messages acknowledged since the owner last cleared it, in stream order.</summary>
    public List<PendingEvent> Acknowledged { get; } = [];

    /// <summary>True while a write is failing and being retried: the reader must not go on.</summary>
    public bool IsPaused => _failingWrites > 0;

    public string? LastError { get; private set; }

    /// <summary>
    /// Called on the owner's scheduler as each message write is acknowledged, before the cursor collects it: the
    /// message is visible from then on, so this is when a consumer can be woken (<see cref="QueueWriteWatchers"/>, which
    /// never calls back into the sink). Not the cursor's business, hence apart from <see cref="Acknowledged"/>.
    /// </summary>
    public Action? Written { get; init; }

    public bool HasCapacity => _inFlight.Count < maxInFlight;

    public bool IsIdle => _pending.Count == 0 && _inFlight.Count == 0;

    /// <summary>Whether a message written earlier is not yet collected (acknowledged and passed over by <see cref="Collect"/>).</summary>
    public bool HasWriteInFlight => _inFlight.Count > 0;

    /// <summary>Sets the cursors (only while idle: between sessions). <paramref name="seq"/> null: no v2 position yet.</summary>
    public void Restore(long? cursor, long? seq = null)
    {
        Cursor = cursor;
        _seenTimeUs = cursor ?? 0;
        CursorSeq = seq;
        _seenSeq = seq;
    }

    /// <summary>An event handled without queueing (skipped, duplicate).</summary>
    public void Skip(long timeUs, long? seq = null)
    {
        See(timeUs, seq);
        if (IsIdle)
        {
            MoveToSeen();
        }
    }

    /// <summary>Adds a kept event; its JSON must stay valid until the message is acknowledged.</summary>
    public void Add(QueuedEvent queuedEvent, string collection, long? seq, CancellationToken stopping)
    {
        _stopping = stopping;
        See(queuedEvent.TimeUs, seq);
        var pending = _packer.FitsAlone(queuedEvent)
            ? new PendingEvent(queuedEvent, collection, default)
            : new PendingEvent(queuedEvent with { EventJson = default, BlobName = queue.BlobNameFor(queuedEvent.EventId) }, collection, queuedEvent.EventJson);
        if (!_packer.TryAdd(pending.Event))
        {
            Flush(stopping);
            _packer.TryAdd(pending.Event);
        }

        _pending.Add(pending);
        if (_packer.IsFull)
        {
            Flush(stopping);
        }
    }

    /// <summary>
    /// The reader has nothing more for now: what is pending goes as one message, unless a write is still out; then it
    /// goes when that write finishes. So a message carries what arrived during one write instead of one event each,
    /// and the queue sees few requests at any rate.
    /// </summary>
    public void ReaderIdle(CancellationToken stopping)
    {
        _stopping = stopping;
        _readerIdle = true;
        Collect();
        if (!HasWriteInFlight)
        {
            Flush(stopping);
        }
    }

    /// <summary>The reader has a frame again.</summary>
    public void ReaderBusy() => _readerIdle = false;

    /// <summary>Starts writing what is pending as one message, without waiting for it.</summary>
    public void Flush(CancellationToken stopping)
    {
        if (_pending.Count == 0)
        {
            return;
        }

        // Taken before the write starts: a write can complete synchronously (its response already in the socket's
        // buffer when it is read, seen on a loaded machine), and FlushWhenWrittenAsync then flushes again at once, which
        // with the list still pending wrote the same events into a second (and third) message.
        var batch = new Batch(_pending, _packer.Finish(), _seenTimeUs, _seenSeq);
        _pending = [];
        batch.Completion = SendAsync(batch, stopping);
        _inFlight.Enqueue(batch);
        _ = FlushWhenWrittenAsync(batch.Completion);
    }

    /// <summary>Moves the cursor over every acknowledged message at the head of the line. Returns whether it moved.</summary>
    public bool Collect()
    {
        var before = Cursor;
        var beforeSeq = CursorSeq;
        while (_inFlight.TryPeek(out var head) && head.Completion.IsCompletedSuccessfully)
        {
            _inFlight.Dequeue();
            Cursor = Math.Max(Cursor ?? 0, head.CursorAfter);
            if (head.SeqAfter is { } seq)
            {
                CursorSeq = Math.Max(CursorSeq ?? 0, seq);
            }

            Acknowledged.AddRange(head.Events);
        }

        if (IsIdle)
        {
            MoveToSeen();
        }

        return Cursor != before || CursorSeq != beforeSeq;
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
        _readerIdle = false;
        _inFlight.Clear();
        _pending = [];
        _packer.Clear();
    }

    private void See(long timeUs, long? seq)
    {
        _seenTimeUs = Math.Max(_seenTimeUs, timeUs);
        if (seq is { } s)
        {
            _seenSeq = Math.Max(_seenSeq ?? 0, s);
        }
    }

    private void MoveToSeen()
    {
        if (_seenTimeUs > 0)
        {
            Cursor = Math.Max(Cursor ?? 0, _seenTimeUs);
        }

        if (_seenSeq is { } seq)
        {
            CursorSeq = Math.Max(CursorSeq ?? 0, seq);
        }
    }

    /// <summary>What arrived while this write was out goes now, as one message, if the reader has nothing more.</summary>
    private async Task FlushWhenWrittenAsync(Task write)
    {
        await write.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing | ConfigureAwaitOptions.ContinueOnCapturedContext);
        Collect();
        if (_readerIdle && !HasWriteInFlight && !_stopping.IsCancellationRequested)
        {
            Flush(_stopping);
        }
    }

    private async Task SendAsync(Batch batch, CancellationToken stopping)
    {
        var backoff = ReconnectBackoff.ForStorage(maxRetryDelay, time);
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

                await queue.Queue.SendMessageAsync(batch.Body, visibilityTimeout: null, timeToLive: TimeSpan.FromSeconds(-1), stopping);
                Written?.Invoke();
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
                var delay = backoff.NextDelay();
                Log.QueueWriteFailed(logger, ex, processorKey, attempt, delay);
                await backoff.WaitAsync(delay, stopping);
            }
        }
    }

    private static string FirstLine(string message)
    {
        var newline = message.IndexOf('\n');
        return newline < 0 ? message : message[..newline].TrimEnd();
    }

    [DebuggerDisplay("{Events.Count} events up to {CursorAfter}")]
    private sealed class Batch(List<PendingEvent> events, BinaryData body, long cursorAfter, long? seqAfter)
    {
        public List<PendingEvent> Events { get; } = events;

        public BinaryData Body { get; } = body;

        public long CursorAfter { get; } = cursorAfter;

        public long? SeqAfter { get; } = seqAfter;

        public Task Completion { get; set; } = Task.CompletedTask;
    }
}
