using System.Collections.Concurrent;

namespace Jetstream.WebhookReceiver;

/// <summary>
/// One receiver for many subscriptions (<see cref="ReceiverOptions.KeyByPath"/>): each accepted event kept under the
/// path it was posted to (<see cref="WebhookReceiverHost.UrlFor"/>), by the key the option gives it, with how many
/// times it came. Two hundred subscriptions are then one Kestrel server, not two hundred. The host alone writes it.
/// </summary>
public sealed class PathTally
{
    private readonly ConcurrentDictionary<string, ConcurrentDictionary<string, int>> _byPath = new(StringComparer.Ordinal);

    internal PathTally()
    {
    }

    /// <summary>Distinct events delivered so far, over every path.</summary>
    public long Distinct => _byPath.Values.Sum(p => (long)p.Count);

    /// <summary>Each path's delivered events (the path without its leading '/'): key, and how many times it came.</summary>
    public IReadOnlyDictionary<string, ConcurrentDictionary<string, int>> ByPath => _byPath;

    internal void Add(string path, string key) =>
        _byPath.GetOrAdd(path, static _ => new ConcurrentDictionary<string, int>(StringComparer.Ordinal))
            .AddOrUpdate(key, 1, static (_, n) => n + 1);

    internal void Clear() => _byPath.Clear();
}
