using System.Globalization;
using Jetstream.EventQueue;

namespace Jetstream.WebhookConsumer;

/// <summary>
/// The ids of the events one subscription delivered last (a 2xx), so that a copy of one of them that arrives moments
/// later, in another message of the same or a following receive, is recognised by its <c>webhook-id</c> and settled
/// without being sent again. It only narrows at-least-once: a copy that comes after the memory has moved on is sent.
/// Shared by the DIDs of a batch, which are scheduled in parallel, so it takes a lock.
/// </summary>
/// <remarks>
/// Copies seen in practice: a queue write repeated by the producer (the same events in two or three messages next to
/// each other) and a message received again after its settle failed. Both are within a few receives, so the memory is
/// bounded by count, not time: <see cref="Capacity"/> ids cover three receives of 32 messages with about 40 events
/// each. An id (<c>evt_</c> and 32 hex digits) is kept as the 128-bit number it spells, so an entry holds no object
/// (about 40 bytes, so at most about 160 KB per subscription, reached only by a busy one); an id of another form is
/// not remembered, since a shortened key could mistake one event for another and drop it.
/// </remarks>
internal sealed class RecentDeliveries
{
    public const int Capacity = 4096;

    private readonly Lock _lock = new();
    private readonly HashSet<UInt128> _ids = [];
    private readonly Queue<UInt128> _order = new();

    public int Count
    {
        get
        {
            lock (_lock)
            {
                return _ids.Count;
            }
        }
    }

    public bool Contains(string eventId)
    {
        if (!TryKey(eventId, out var key))
        {
            return false;
        }

        lock (_lock)
        {
            return _ids.Contains(key);
        }
    }

    public void Add(string eventId)
    {
        if (!TryKey(eventId, out var key))
        {
            return;
        }

        lock (_lock)
        {
            if (!_ids.Add(key))
            {
                return;
            }

            _order.Enqueue(key);
            if (_order.Count > Capacity)
            {
                _ids.Remove(_order.Dequeue());
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
