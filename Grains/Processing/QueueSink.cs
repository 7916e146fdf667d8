using Jetstream.Storage;
using Microsoft.Extensions.Logging;

namespace Jetstream.Grains.Processing;

/// <summary>
/// Packs kept events into queue messages (of the version <c>Queue:MessageVersion</c> says, see
/// <see cref="MessagePacker"/>), keeps a bounded number of writes in flight (a DID's one after another:
/// <see cref="DidWriteOrder"/>), retries each write until it succeeds, and derives the position: the highest
/// <c>time_us</c> (and, on the v2 wire, seq) such that every event up to it is either skipped or in a message the
/// queue has acknowledged. It decides alone when a message is written: when it is
/// full, when the reader has nothing more (<see cref="ReaderIdle"/>), and when a write finishes while the reader is
/// idle. It reports only through what <see cref="TryTakeAcknowledged"/> returns. Single-threaded by design: it lives on
/// the grain's scheduler.
/// </summary>
public sealed class QueueSink(
    IEventQueueWriter queue,
    int maxInFlight,
    TimeSpan maxRetryDelay,
    TimeProvider time,
    ProcessorMetrics metrics,
    ILogger logger,
    string processorKey)
{
    private readonly Queue<SinkBatch> _inFlight = new();
    private readonly RetriedWrites _writes = new(maxRetryDelay, time, metrics, logger, processorKey);
    private readonly DidWriteOrder _order = new();
    private readonly MessagePacker _packer = MessagePacker.Create(queue.Options);
    private List<PendingEvent> _pending = [];
    private List<PendingEvent> _acknowledged = [];
    private bool _moved;
    private long _seenTimeUs;
    private long? _seenSeq;
    private string? _endpoint;
    private bool _readerIdle;
    private CancellationToken _stopping;

    /// <summary>How far the queue has acknowledged (see the class summary).</summary>
    public CursorPosition Position { get; private set; }

    /// <summary>True while a write is failing and being retried: the reader must not go on.</summary>
    public bool IsPaused => _writes.IsFailing;

    public string? LastError => _writes.LastError;

    /// <summary>
    /// Called on the owner's scheduler as each message write is acknowledged: the message is visible from then on, so
    /// this is when a consumer can be woken (<see cref="QueueWriteWatchers"/>, which never calls back into the sink).
    /// </summary>
    public Action? Written { get; init; }

    /// <summary>Where <see cref="Hold"/> writes (the processor's <see cref="LiveSeam"/>).</summary>
    public IHeldEventWriter? Holds { get; init; }

    public bool HasCapacity => _inFlight.Count < maxInFlight;

    public bool IsIdle => _pending.Count == 0 && _inFlight.Count == 0;

    /// <summary>
    /// Continues from <paramref name="start"/> (only while idle: at activation, between sessions, for a replay); the
    /// events that follow come from <paramref name="endpoint"/>, which the position names once they move it.
    /// </summary>
    public void Restore(CursorPosition start, string? endpoint = null)
    {
        if (start != Position)
        {
            Position = start;
            _moved = true;
        }

        _seenTimeUs = start.TimeUs ?? 0;
        _seenSeq = start.Seq;
        _endpoint = endpoint ?? start.Endpoint;
    }

    /// <summary>An event handled without queueing (skipped, duplicate).</summary>
    public void Skip(long timeUs, long? seq = null)
    {
        See(timeUs, seq);
        if (IsIdle)
        {
            MoveTo(_seenTimeUs, _seenSeq, _endpoint);
        }
    }

    /// <summary>Adds a kept event; its JSON must stay valid until the message is acknowledged.</summary>
    public void Add(QueuedEvent queuedEvent, string collection, long? seq, CancellationToken stopping)
    {
        _stopping = stopping;
        See(queuedEvent.TimeUs, seq);
        var pending = Prepare(queuedEvent, collection);
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
    /// Holds a live commit of a repository under backfill (<see cref="Holds"/>, docs/backfill.md) instead of queueing
    /// it: a write of its own, in line with the queue's, so the position moves over it once it is stored, as over an
    /// acknowledged message. What is pending goes first, or the position could pass it.
    /// </summary>
    public void Hold(QueuedEvent queuedEvent, string collection, string rev, long? seq, CancellationToken stopping)
    {
        _stopping = stopping;
        Flush(stopping);
        See(queuedEvent.TimeUs, seq);
        var pending = Prepare(queuedEvent, collection);
        var holds = Holds ?? throw new InvalidOperationException("The sink has no store for held events.");
        var batch = new SinkBatch([], null, _seenTimeUs, _seenSeq, _endpoint) { Dids = [queuedEvent.Did] };
        // After the messages still out with this DID's earlier events: the hand-over, which waits for this write, then
        // queues the held commit after them.
        batch.Completion = _order.Start(batch.Dids, () => _writes.RunAsync(ct => holds.WriteAsync(pending, rev, ct), null, stopping));
        holds.Started(queuedEvent.Did, batch.Completion);
        _inFlight.Enqueue(batch);
        _ = FlushWhenWrittenAsync(batch.Completion);
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
        if (_inFlight.Count == 0)
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
        var batch = new SinkBatch(_pending, _packer.Finish(), _seenTimeUs, _seenSeq, _endpoint)
        {
            Dids = _pending.Select(e => e.Event.Did).ToHashSet(StringComparer.Ordinal),
        };
        _pending = [];
        batch.Completion = _order.Start(batch.Dids, () => _writes.RunAsync(ct => queue.WriteAsync(batch.Events, batch.Body!, ct), Written, stopping));
        _inFlight.Enqueue(batch);
        _ = FlushWhenWrittenAsync(batch.Completion);
    }

    /// <summary>
    /// What the queue acknowledged since the last take: false when nothing was and the position has not moved. The
    /// events are handed over (the sink keeps no reference to the list it returns).
    /// </summary>
    public bool TryTakeAcknowledged(out Acknowledged acknowledged)
    {
        Collect();
        if (!_moved && _acknowledged.Count == 0)
        {
            acknowledged = default;
            return false;
        }

        acknowledged = new Acknowledged(Position, _acknowledged.Count == 0 ? [] : _acknowledged);
        if (_acknowledged.Count > 0)
        {
            _acknowledged = [];
        }

        _moved = false;
        return true;
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

    /// <summary>Forgets writes that can no longer complete (deactivation): their events are replayed from the position.</summary>
    public void Abandon()
    {
        _readerIdle = false;
        _inFlight.Clear();
        _order.Clear();
        _pending = [];
        _packer.Clear();
        // What was seen is no longer on its way to the queue: an idle sink must not move the position over it when a
        // cancelled write completes later.
        _seenTimeUs = Position.TimeUs ?? 0;
        _seenSeq = Position.Seq;
    }

    /// <summary>Moves the position over every acknowledged message at the head of the line.</summary>
    private void Collect()
    {
        while (_inFlight.TryPeek(out var head) && head.Completion.IsCompletedSuccessfully)
        {
            _inFlight.Dequeue();
            _order.Forget(head.Dids, head.Completion);
            MoveTo(head.TimeUsAfter, head.SeqAfter, head.Endpoint);
            _acknowledged.AddRange(head.Events);
        }

        if (IsIdle)
        {
            MoveTo(_seenTimeUs, _seenSeq, _endpoint);
        }
    }

    private void See(long timeUs, long? seq)
    {
        _seenTimeUs = Math.Max(_seenTimeUs, timeUs);
        if (seq is { } s)
        {
            _seenSeq = Math.Max(_seenSeq ?? 0, s);
        }
    }

    /// <summary>Forward only; the endpoint changes only together with a move, so it always names the clock of the values.</summary>
    private void MoveTo(long timeUs, long? seq, string? endpoint)
    {
        var time = timeUs > 0 ? Math.Max(Position.TimeUs ?? 0, timeUs) : Position.TimeUs;
        var sequence = seq is { } s ? Math.Max(Position.Seq ?? 0, s) : Position.Seq;
        if (time != Position.TimeUs || sequence != Position.Seq)
        {
            Position = new CursorPosition(time, sequence, endpoint ?? Position.Endpoint);
            _moved = true;
        }
    }

    /// <summary>What arrived while this write was out goes now, as one message, if the reader has nothing more.</summary>
    private async Task FlushWhenWrittenAsync(Task write)
    {
        await write.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing | ConfigureAwaitOptions.ContinueOnCapturedContext);
        _order.Ended();
        Collect();
        if (_readerIdle && _inFlight.Count == 0 && !_stopping.IsCancellationRequested)
        {
            Flush(_stopping);
        }
    }

    private PendingEvent Prepare(QueuedEvent queuedEvent, string collection) => _packer.FitsAlone(queuedEvent)
        ? new PendingEvent(queuedEvent, collection, default)
        : new PendingEvent(queuedEvent with { EventJson = default, BlobName = queue.BlobNameFor(queuedEvent.EventId) }, collection, queuedEvent.EventJson);
}
