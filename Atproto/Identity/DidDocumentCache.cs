using System.Collections.Concurrent;

namespace Jetstream.Atproto.Identity;

/// <summary>Resolved documents kept for a TTL on the injected clock, bounded in count.</summary>
internal sealed class DidDocumentCache(TimeProvider time, TimeSpan ttl, int maxEntries)
{
    private readonly ConcurrentDictionary<string, Entry> _entries = new(StringComparer.Ordinal);

    public bool TryGet(string did, out DidDocument document)
    {
        if (_entries.TryGetValue(did, out var entry) && entry.ExpiresAt > time.GetUtcNow())
        {
            document = entry.Document;
            return true;
        }

        document = null!;
        return false;
    }

    public void Add(DidDocument document)
    {
        if (maxEntries == 0 || ttl == TimeSpan.Zero)
        {
            return;
        }

        if (_entries.Count >= maxEntries)
        {
            Trim();
        }

        _entries[document.Did] = new Entry(document, time.GetUtcNow() + ttl);
    }

    public void Remove(string did) => _entries.TryRemove(did, out _);

    // Full: drop what has expired, and if that is not enough the tenth that expires soonest; a scan per tenth of
    // the capacity keeps the cost per added document constant.
    private void Trim()
    {
        var now = time.GetUtcNow();
        foreach (var (did, entry) in _entries)
        {
            if (entry.ExpiresAt <= now)
            {
                _entries.TryRemove(did, out _);
            }
        }

        if (_entries.Count >= maxEntries)
        {
            foreach (var (did, _) in _entries.OrderBy(e => e.Value.ExpiresAt).Take(Math.Max(1, maxEntries / 10)))
            {
                _entries.TryRemove(did, out _);
            }
        }
    }

    private sealed record Entry(DidDocument Document, DateTimeOffset ExpiresAt);
}
