using System.Collections.Concurrent;

namespace Jetstream.WebhookReceiver;

/// <summary>
/// The events in the requests a <see cref="WebhookReceiverHost"/> accepted, when <see cref="ReceiverOptions.CountEvents"/>
/// is on: each body is one event or a batch <c>{"events":[…]}</c> (<see cref="EventBodies"/>), so requests and events
/// differ. Each event is known by its <c>time_us</c> (unique in the emulators' streams). With
/// <see cref="ReceiverOptions.TrackEvents"/> each event's first arrival is kept, for latencies, late arrivals and
/// repeats of an event whatever request carried it; without, latencies are of every delivery (a firehose run would
/// otherwise keep a million entries). The host alone writes it, from its request handler.
/// </summary>
public sealed class EventTally
{
    private readonly bool _track;
    private readonly bool _splitBackfill;
    private readonly ConcurrentDictionary<long, long> _firstArrivalTicks = new();
    private readonly List<long> _latencyMicros = [];
    private readonly Lock _latencyLock = new();
    private long _events;
    private long _eventsInDuplicateIds;
    private long _repeats;
    private long _backfill;
    private long _lastBackfillTicks;

    internal EventTally(bool track, bool splitBackfill)
    {
        _track = track;
        _splitBackfill = splitBackfill;
    }

    /// <summary>Events in accepted requests, repeats and backfill events included.</summary>
    public long Events => Interlocked.Read(ref _events);

    /// <summary>Distinct events: by <c>time_us</c> when tracking, else the events less those in a repeated <c>webhook-id</c>.</summary>
    public long UniqueEvents => _track ? _firstArrivalTicks.Count : Events - Interlocked.Read(ref _eventsInDuplicateIds);

    /// <summary>Accepted deliveries of an event that had been accepted before (tracked events only).</summary>
    public long Repeats => Interlocked.Read(ref _repeats);

    /// <summary>
    /// Accepted backfill events (<c>"live":false</c>, with <see cref="ReceiverOptions.SplitBackfill"/>), repeats
    /// included; they are in <see cref="Events"/> but not in <see cref="LatencyMillis"/>, which is then the live events' alone.
    /// </summary>
    public long BackfillEvents => Interlocked.Read(ref _backfill);

    /// <summary>When the last accepted request with a backfill event arrived; null if none.</summary>
    public DateTime? LastBackfillArrival => Interlocked.Read(ref _lastBackfillTicks) is var ticks and > 0 ? new DateTime(ticks, DateTimeKind.Utc) : null;

    /// <summary>The tracked events: each one's <c>time_us</c> as a UTC time (when it was published) and its first arrival.</summary>
    public IReadOnlyCollection<(DateTime Published, DateTime Arrived)> FirstArrivals() =>
        [.. _firstArrivalTicks.Select(e => (DateTime.UnixEpoch.AddTicks(e.Key * 10), new DateTime(e.Value, DateTimeKind.Utc)))];

    /// <summary>Arrival minus <c>time_us</c> of each event's first delivery (every delivery when not tracking), in ms.</summary>
    public IReadOnlyList<double> LatencyMillis()
    {
        lock (_latencyLock)
        {
            return [.. _latencyMicros.Select(micros => micros / 1000.0)];
        }
    }

    internal void Add(ReadOnlySpan<byte> body, bool repeatedId, DateTimeOffset arrivedAt)
    {
        var arrived = arrivedAt.UtcDateTime;
        var backfill = _splitBackfill ? new List<long>() : null;
        var times = EventBodies.EventTimes(body, backfill);
        var all = times.Count + (backfill?.Count ?? 0);
        if (backfill is { Count: > 0 })
        {
            Interlocked.Add(ref _backfill, backfill.Count);
            Interlocked.Exchange(ref _lastBackfillTicks, Math.Max(arrived.Ticks, Interlocked.Read(ref _lastBackfillTicks)));
        }

        Interlocked.Add(ref _events, all);
        if (repeatedId)
        {
            Interlocked.Add(ref _eventsInDuplicateIds, all);
        }

        var nowMicros = (arrived - DateTime.UnixEpoch).Ticks / TimeSpan.TicksPerMicrosecond;
        foreach (var timeUs in times)
        {
            if (_track && !_firstArrivalTicks.TryAdd(timeUs, arrived.Ticks))
            {
                Interlocked.Increment(ref _repeats);
                continue;
            }

            lock (_latencyLock)
            {
                _latencyMicros.Add(nowMicros - timeUs);
            }
        }
    }

    internal void Clear()
    {
        _firstArrivalTicks.Clear();
        lock (_latencyLock)
        {
            _latencyMicros.Clear();
        }

        Interlocked.Exchange(ref _events, 0);
        Interlocked.Exchange(ref _eventsInDuplicateIds, 0);
        Interlocked.Exchange(ref _repeats, 0);
        Interlocked.Exchange(ref _backfill, 0);
        Interlocked.Exchange(ref _lastBackfillTicks, 0);
    }
}
