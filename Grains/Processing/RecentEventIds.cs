using System.Globalization;
using Jetstream.Storage;

namespace Jetstream.Grains.Processing;

/// <summary>
/// Ids of commits queued within the last <c>window</c> of stream time. After a failover to another instance, whose
/// <c>time_us</c> values differ, replayed events are recognised by id instead of by cursor.
/// </summary>
/// <remarks>
/// An id (<see cref="EventIds.ForCommit"/>: <c>evt_</c> and 32 hex digits) is kept as the 128-bit number it spells, so
/// the window holds no object per event: at the firehose's rate it holds over 100,000 ids, which as strings kept the
/// Silo's gen-2 heap growing by about 20 MB (docs/performance.md).
/// </remarks>
public sealed class RecentEventIds(long windowUs)
{
    private readonly HashSet<UInt128> _ids = [];
    private readonly Queue<(long TimeUs, UInt128 Id)> _order = new();
    private long _newest;

    public int Count => _ids.Count;

    public bool Contains(string id) => _ids.Contains(Key(id));

    /// <summary>Adds <paramref name="id"/>; false if it is already in the window (a duplicate), which is then left as it was.</summary>
    public bool Add(string id, long timeUs)
    {
        var key = Key(id);
        if (!_ids.Add(key))
        {
            return false;
        }

        _order.Enqueue((timeUs, key));
        _newest = Math.Max(_newest, timeUs);
        while (_order.TryPeek(out var oldest) && oldest.TimeUs < _newest - windowUs)
        {
            _order.Dequeue();
            _ids.Remove(oldest.Id);
        }

        return true;
    }

    /// <summary>Forgets every id: a replay delivers the events again on purpose.</summary>
    public void Clear()
    {
        _ids.Clear();
        _order.Clear();
        _newest = 0;
    }

    private static UInt128 Key(string id) =>
        id.Length == EventIds.Prefix.Length + 32 && id.StartsWith(EventIds.Prefix, StringComparison.Ordinal)
        && UInt128.TryParse(id.AsSpan(EventIds.Prefix.Length), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out var key)
            ? key
            : throw new ArgumentException($"'{id}' is not an event id (evt_ and 32 hex digits).", nameof(id));
}
