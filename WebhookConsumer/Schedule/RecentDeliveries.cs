using System.Globalization;
using Jetstream.Storage;

namespace Jetstream.WebhookConsumer.Schedule;

/// <summary>
/// The events one subscription delivered last (a 2xx), so that a copy of one of them that arrives moments later, in
/// another message of the same or a following receive, is recognised and settled without being sent again. A copy is
/// the same event with the same <c>queuedAt</c>: the processor stamps it when it reads the event from Jetstream, so a
/// message written twice (a write retried after a lost answer, a flush repeated) or received again after its settle
/// failed carries the stamp of the delivery remembered, while a replay the user asked for read the event again and
/// carries a later one, and is delivered. It only narrows at-least-once: a copy that comes after the memory has moved
/// on is sent. Shared by the DIDs of a batch, which are scheduled in parallel, so it takes a lock.
/// </summary>
/// <remarks>
/// Copies seen in practice are within a few receives, so the memory is bounded by count, not time: <see cref="Capacity"/>
/// ids cover three receives of 32 messages with about 40 events each. An id (<c>evt_</c> and 32 hex digits) is kept as
/// the 128-bit number it spells, with its stamp as ticks, so an entry holds no object (about 60 bytes, so at most
/// about 240 KB per subscription, reached only by a busy one); an id of another form is not remembered, since a
/// shortened key could mistake one event for another and drop it.
/// </remarks>
internal sealed class RecentDeliveries
{
    public const int Capacity = 4096;

    private readonly Lock _lock = new();
    private readonly Dictionary<UInt128, long> _queuedAt = [];
    private readonly Queue<UInt128> _order = new();

    public int Count
    {
        get
        {
            lock (_lock)
            {
                return _queuedAt.Count;
            }
        }
    }

    /// <summary>True when <paramref name="queuedEvent"/> is a copy of an event delivered moments ago: same id, queued no later.</summary>
    public bool Contains(QueuedEvent queuedEvent)
    {
        if (!TryKey(queuedEvent.EventId, out var key))
        {
            return false;
        }

        lock (_lock)
        {
            return _queuedAt.TryGetValue(key, out var queuedAt) && queuedEvent.QueuedAt.UtcTicks <= queuedAt;
        }
    }

    public void Add(QueuedEvent queuedEvent)
    {
        if (!TryKey(queuedEvent.EventId, out var key))
        {
            return;
        }

        var ticks = queuedEvent.QueuedAt.UtcTicks;
        lock (_lock)
        {
            if (_queuedAt.TryGetValue(key, out var known))
            {
                // A replay delivered: its later stamp is the one its own copies carry.
                _queuedAt[key] = Math.Max(known, ticks);
                return;
            }

            _queuedAt[key] = ticks;
            _order.Enqueue(key);
            if (_order.Count > Capacity)
            {
                _queuedAt.Remove(_order.Dequeue());
            }
        }
    }

    private static bool TryKey(string eventId, out UInt128 key)
    {
        key = default;
        return eventId.Length == EventIds.Prefix.Length + 32 && eventId.StartsWith(EventIds.Prefix, StringComparison.Ordinal)
            && UInt128.TryParse(eventId.AsSpan(EventIds.Prefix.Length), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out key);
    }
}
