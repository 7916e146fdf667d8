using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Jetstream.Emulator;

/// <summary>
/// The emulated server's state: the event log that cursors replay from, the connected subscribers of both wires and
/// the <c>time_us</c> clock. Publishing, going live after a replay and registering happen under one lock, which is
/// what makes the replay-to-live cutover free of gaps and duplicates (unlike the real server, PROTOCOL.md §2.4).
/// </summary>
internal sealed class EmulatorHub(IOptions<EmulatorOptions> options, TimeProvider timeProvider, ILogger<EmulatorHub> logger)
{
    private readonly Lock _gate = new();
    private readonly EventLog _log = new();
    private readonly HashSet<Subscriber> _connected = [];
    private readonly ConcurrentQueue<string> _requestedUrls = new();
    private Subscriber[] _live = [];
    private long _lastTimeUs;
    private long _nextSeq = 1;
    private long _published;
    private long _sent;
    private long _accepted;
    private long _optionsUpdates;
    private long _slowConsumerDrops;
    private int _nextId;

    public EmulatorOptions Options { get; } = options.Value;

    public TimeProvider Time { get; } = timeProvider;

    public ILogger Logger { get; } = logger;

    public int ActiveConnections => Locked(() => _connected.Count);

    public long ConnectionsAccepted => Interlocked.Read(ref _accepted);

    /// <summary><c>options_update</c> messages applied (the new filter is in force once this counts it).</summary>
    public long OptionsUpdatesApplied => Interlocked.Read(ref _optionsUpdates);

    public void CountOptionsUpdate() => Interlocked.Increment(ref _optionsUpdates);

    public IReadOnlyList<string> RequestedUrls => [.. _requestedUrls];

    public IReadOnlyList<LoggedEvent> Log => Locked(() => { ApplyRetention(); return _log.Snapshot(); });

    public IReadOnlyList<EmulatorConnection> Connections => Locked(() => _connected.OrderBy(s => s.Id).Select(s => s.Describe()).ToArray());

    /// <summary>Seq of the oldest retained event after applying the retention now (<see cref="NextSeq"/> when none is left).</summary>
    public long FloorSeq => Locked(() => { ApplyRetention(); return _log.FloorSeq; });

    public long NextSeq => Locked(() => _log.NextSeq);

    /// <summary>For a reading outside the lock (a message text); may be a publish behind.</summary>
    public long NextSeqUnlocked => Interlocked.Read(ref _nextSeq);

    public long NowUs => (Time.GetUtcNow().UtcTicks - DateTimeOffset.UnixEpoch.UtcTicks) / 10;

    public EmulatorStats Stats => Locked(() =>
    {
        ApplyRetention();
        var v2 = _connected.Count(s => s.Wire == EmulatorConnection.V2);
        return new EmulatorStats(
            _published, Interlocked.Read(ref _sent), _connected.Count, _accepted, Interlocked.Read(ref _slowConsumerDrops), _log.Count,
            Options.EventsPerSecond, _connected.Count - v2, v2, _connected.Sum(s => s.BytesSent), _log.FloorSeq, _log.NextSeq);
    });

    public void RecordRequest(string pathAndQuery) => _requestedUrls.Enqueue(pathAndQuery);

    /// <exception cref="ArgumentException">The payload is not a JSON object with a string <c>did</c>.</exception>
    public long Publish(ReadOnlySpan<byte> utf8Json)
    {
        var parsed = EventStamper.Parse(utf8Json);
        List<Subscriber>? overflowed = null;
        long timeUs;
        lock (_gate)
        {
            timeUs = NextTimeUs();
            var seq = _log.NextSeq;
            var logged = new LoggedEvent(seq, timeUs, parsed.Did, parsed.Kind, parsed.Collection, parsed.Stamp(timeUs, out var timeUsEnd), timeUsEnd);
            _log.Append(logged);
            Interlocked.Exchange(ref _nextSeq, seq + 1);
            ApplyRetention();
            _published++;
            foreach (var subscriber in _live)
            {
                if (!subscriber.TryEnqueue(logged))
                {
                    (overflowed ??= []).Add(subscriber);
                }
            }
        }

        EndSlowConsumers(overflowed);
        return timeUs;
    }

    /// <param name="wire">Only to connections of this wire (<see cref="EmulatorConnection.V1"/> or <c>V2</c>); null = all.</param>
    public void PublishRawFrame(ReadOnlyMemory<byte> payload, bool binary, string? wire = null)
    {
        List<Subscriber>? overflowed = null;
        lock (_gate)
        {
            foreach (var subscriber in _live)
            {
                if ((wire is null || subscriber.Wire == wire) && !subscriber.TryEnqueueRaw(payload, binary))
                {
                    (overflowed ??= []).Add(subscriber);
                }
            }
        }

        EndSlowConsumers(overflowed);
    }

    /// <summary>What a connection asking for <paramref name="cursor"/> would get, without connecting it (for pre-upgrade checks).</summary>
    public CursorPlan Resolve(CursorRequest cursor) => Locked(() => ResolveLocked(cursor));

    /// <summary>
    /// Adds a connection unless its cursor is refused (v2 CursorTooOld). Live at once without a cursor (so it misses
    /// nothing published after this call); with one it first replays from the plan's seq.
    /// </summary>
    public CursorPlan Register(Subscriber subscriber, CursorRequest cursor)
    {
        lock (_gate)
        {
            var plan = ResolveLocked(cursor);
            if (plan.Refused)
            {
                return plan;
            }

            _connected.Add(subscriber);
            _accepted++;
            subscriber.Start(plan, _log.NextSeq);
            if (plan.IsLive)
            {
                _live = [.. _live, subscriber];
            }

            return plan;
        }
    }

    public int NextConnectionId() => Interlocked.Increment(ref _nextId);

    /// <summary>
    /// Copies the next retained events from <paramref name="seq"/>; when there are none left the subscriber is made
    /// live in the same critical section, so the next publish reaches it through its outbox. A position the retention
    /// has passed is clamped silently for v1 (as the real server does) and reported for v2.
    /// </summary>
    public ReplayStep ReadOrGoLive(Subscriber subscriber, ref long seq, List<LoggedEvent> batch, int max)
    {
        lock (_gate)
        {
            if (seq < _log.FloorSeq)
            {
                if (!subscriber.ClampsBelowFloor)
                {
                    seq = _log.FloorSeq;
                    return ReplayStep.BelowFloor;
                }

                seq = _log.FloorSeq;
            }

            if (seq >= _log.NextSeq)
            {
                if (_connected.Contains(subscriber))
                {
                    _live = [.. _live, subscriber];
                }

                return ReplayStep.Live;
            }

            _log.CopyTo(seq, max, batch);
            seq += batch.Count;
            return ReplayStep.Batch;
        }
    }

    public void Remove(Subscriber subscriber)
    {
        lock (_gate)
        {
            if (_connected.Remove(subscriber))
            {
                _live = Array.FindAll(_live, s => s != subscriber);
            }
        }
    }

    /// <summary>Drops connection <paramref name="id"/> (or every one) with no close frame; returns how many.</summary>
    public int Drop(int? id = null)
    {
        var chosen = Choose(id, wire: null);
        foreach (var subscriber in chosen)
        {
            subscriber.Drop("dropped on request");
        }

        return chosen.Length;
    }

    public int DropAll() => Drop();

    /// <summary>Sends <c>ConsumerTooSlow</c> to v2 connection <paramref name="id"/> (or every v2 one); returns how many.</summary>
    public int SignalConsumerTooSlow(int? id = null) => Choose(id, EmulatorConnection.V2).Count(s => s.SignalConsumerTooSlow());

    /// <summary>Drops every retained event below <paramref name="floorSeq"/> (null: all of them) and applies the retention.</summary>
    public long Trim(long? floorSeq)
    {
        lock (_gate)
        {
            _log.TrimBelow(floorSeq ?? _log.NextSeq);
            ApplyRetention();
            return _log.FloorSeq;
        }
    }

    /// <summary>Whether every live subscriber can take <paramref name="batch"/> more events (and there is one).</summary>
    public bool LiveSubscribersHaveRoom(int batch)
    {
        var live = Volatile.Read(ref _live);
        return live.Length > 0 && live.All(s => s.OutboxCount + batch <= s.OutboxCapacity);
    }

    public void CountSent() => Interlocked.Increment(ref _sent);

    private Subscriber[] Choose(int? id, string? wire) =>
        Locked(() => _connected.Where(s => (id is null || s.Id == id) && (wire is null || s.Wire == wire)).ToArray());

    private CursorPlan ResolveLocked(CursorRequest cursor)
    {
        ApplyRetention();
        return _log.Plan(cursor, NowUs);
    }

    private void ApplyRetention()
    {
        if (Options.Retention > TimeSpan.Zero)
        {
            _log.TrimOlderThan(NowUs - (long)Options.Retention.TotalMicroseconds);
        }

        if (_log.Count > Options.MaxLogEvents)
        {
            _log.TrimToCount(Options.MaxLogEvents);
        }
    }

    private void EndSlowConsumers(List<Subscriber>? overflowed)
    {
        foreach (var subscriber in overflowed ?? [])
        {
            if (subscriber.OnOutboxFull())
            {
                Interlocked.Increment(ref _slowConsumerDrops);
            }
        }
    }

    private long NextTimeUs()
    {
        // The server's monotonic clock: wall-clock microseconds, bumped by one on collision (PROTOCOL.md §2.4).
        var now = NowUs;
        _lastTimeUs = now > _lastTimeUs ? now : _lastTimeUs + 1;
        return _lastTimeUs;
    }

    private T Locked<T>(Func<T> read)
    {
        lock (_gate)
        {
            return read();
        }
    }
}
