namespace Jetstream.Grains.Processing;

/// <summary>
/// Ids of commits queued within the last <c>window</c> of stream time. After a failover to another instance, whose
/// <c>time_us</c> values differ, replayed events are recognised by id instead of by cursor.
/// </summary>
public sealed class RecentEventIds(long windowUs)
{
    private readonly HashSet<string> _ids = new(StringComparer.Ordinal);
    private readonly Queue<(long TimeUs, string Id)> _order = new();
    private long _newest;

    public int Count => _ids.Count;

    public bool Contains(string id) => _ids.Contains(id);

    public void Add(string id, long timeUs)
    {
        if (!_ids.Add(id))
        {
            return;
        }

        _order.Enqueue((timeUs, id));
        _newest = Math.Max(_newest, timeUs);
        while (_order.TryPeek(out var oldest) && oldest.TimeUs < _newest - windowUs)
        {
            _order.Dequeue();
            _ids.Remove(oldest.Id);
        }
    }
}
