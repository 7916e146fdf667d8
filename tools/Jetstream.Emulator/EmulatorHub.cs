using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Jetstream.Emulator;

/// <summary>
/// The emulated server's state: the event log that cursors replay from, the connected subscribers and the
/// <c>time_us</c> clock. Publishing, going live after a replay and registering happen under one lock, which is what
/// makes the replay-to-live cutover free of gaps and duplicates (unlike the real server, PROTOCOL.md §2.4).
/// </summary>
internal sealed class EmulatorHub(IOptions<EmulatorOptions> options, TimeProvider timeProvider, ILogger<EmulatorHub> logger)
{
    private readonly Lock _gate = new();
    private readonly List<LoggedEvent> _log = [];
    private readonly HashSet<Subscriber> _connected = [];
    private readonly ConcurrentQueue<string> _requestedUrls = new();
    private Subscriber[] _live = [];
    private long _logBase;
    private long _lastTimeUs;
    private long _published;
    private long _sent;
    private long _accepted;
    private long _slowConsumerDrops;
    private int _nextId;

    public EmulatorOptions Options { get; } = options.Value;

    public TimeProvider Time { get; } = timeProvider;

    public ILogger Logger { get; } = logger;

    public int ActiveConnections
    {
        get
        {
            lock (_gate)
            {
                return _connected.Count;
            }
        }
    }

    public long ConnectionsAccepted => Interlocked.Read(ref _accepted);

    /// <summary><c>options_update</c> messages applied (the new filter is in force once this counts it).</summary>
    public long OptionsUpdatesApplied => Interlocked.Read(ref _optionsUpdates);

    public void CountOptionsUpdate() => Interlocked.Increment(ref _optionsUpdates);

    public IReadOnlyList<string> RequestedUrls => [.. _requestedUrls];

    private long _optionsUpdates;

    public IReadOnlyList<LoggedEvent> Log
    {
        get
        {
            lock (_gate)
            {
                return [.. _log];
            }
        }
    }

    public long NowUs => ToMicroseconds(Time.GetUtcNow());

    public EmulatorStats Stats
    {
        get
        {
            lock (_gate)
            {
                return new EmulatorStats(_published, Interlocked.Read(ref _sent), _connected.Count, _accepted, Interlocked.Read(ref _slowConsumerDrops), _log.Count, Options.EventsPerSecond);
            }
        }
    }

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
            var logged = new LoggedEvent(timeUs, parsed.Did, parsed.Kind, parsed.Collection, parsed.Stamp(timeUs));
            Append(logged);
            _published++;
            foreach (var subscriber in _live)
            {
                if (!subscriber.TryEnqueue(logged))
                {
                    (overflowed ??= []).Add(subscriber);
                }
            }
        }

        DropSlowConsumers(overflowed);
        return timeUs;
    }

    public void PublishRawFrame(ReadOnlyMemory<byte> payload, bool binary)
    {
        List<Subscriber>? overflowed = null;
        lock (_gate)
        {
            foreach (var subscriber in _live)
            {
                if (!subscriber.TryEnqueueRaw(payload, binary))
                {
                    (overflowed ??= []).Add(subscriber);
                }
            }
        }

        DropSlowConsumers(overflowed);
    }

    /// <summary>
    /// Adds a connection. Without a cursor it is live at once (so it misses nothing published after this call);
    /// with one it first replays from the oldest retained event whose <c>time_us</c> is at or after the cursor.
    /// </summary>
    public void Register(Subscriber subscriber, long? cursor)
    {
        lock (_gate)
        {
            _connected.Add(subscriber);
            _accepted++;
            if (cursor is { } from)
            {
                subscriber.ReplayPosition = FirstAtOrAfter(from);
            }
            else
            {
                _live = [.. _live, subscriber];
            }
        }
    }

    public int NextConnectionId() => Interlocked.Increment(ref _nextId);

    /// <summary>
    /// Copies the next retained events from <paramref name="position"/>; when there are none left the subscriber is
    /// made live in the same critical section, so the next publish reaches it through its outbox.
    /// A position the retention has already dropped is clamped to the oldest event, silently, as the real server does.
    /// </summary>
    public bool ReadOrGoLive(Subscriber subscriber, ref long position, List<LoggedEvent> batch, int max)
    {
        lock (_gate)
        {
            position = Math.Max(position, _logBase);
            var head = _logBase + _log.Count;
            if (position >= head)
            {
                if (_connected.Contains(subscriber))
                {
                    _live = [.. _live, subscriber];
                }

                return true;
            }

            var count = (int)Math.Min(max, head - position);
            batch.AddRange(_log.GetRange((int)(position - _logBase), count));
            position += count;
            return false;
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

    public int DropAll()
    {
        Subscriber[] all;
        lock (_gate)
        {
            all = [.. _connected];
        }

        foreach (var subscriber in all)
        {
            subscriber.Drop("dropped on request");
        }

        return all.Length;
    }

    /// <summary>Whether every live subscriber can take <paramref name="batch"/> more events (and there is one).</summary>
    public bool LiveSubscribersHaveRoom(int batch)
    {
        var live = Volatile.Read(ref _live);
        if (live.Length == 0)
        {
            return false;
        }

        foreach (var subscriber in live)
        {
            if (subscriber.OutboxCount + batch > Options.OutboxCapacity)
            {
                return false;
            }
        }

        return true;
    }

    public void CountSent() => Interlocked.Increment(ref _sent);

    private void DropSlowConsumers(List<Subscriber>? overflowed)
    {
        if (overflowed is null)
        {
            return;
        }

        foreach (var subscriber in overflowed)
        {
            if (subscriber.AbortSlowConsumer())
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

    private void Append(LoggedEvent logged)
    {
        _log.Add(logged);
        var max = Options.MaxLogEvents;
        var excess = _log.Count - max;
        // Trim in chunks so retention costs O(1) amortised rather than a shift per publish.
        if (excess > 0 && (excess >= 4096 || excess > max / 8))
        {
            _log.RemoveRange(0, excess);
            _logBase += excess;
        }
    }

    private long FirstAtOrAfter(long cursor)
    {
        int low = 0, high = _log.Count;
        while (low < high)
        {
            var mid = (low + high) >>> 1;
            if (_log[mid].TimeUs < cursor)
            {
                low = mid + 1;
            }
            else
            {
                high = mid;
            }
        }

        return _logBase + low;
    }

    private static long ToMicroseconds(DateTimeOffset time) => (time.UtcTicks - DateTimeOffset.UnixEpoch.UtcTicks) / 10;
}
