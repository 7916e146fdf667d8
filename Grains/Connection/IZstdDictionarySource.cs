namespace Jetstream.Grains.Connection;

/// <summary>Where a v2 endpoint's dictionary comes from (stored copy, <c>getZstdDictionary</c>, built-in fallback).</summary>
public interface IZstdDictionarySource
{
    /// <summary>The dictionary to ask <paramref name="endpoint"/> for, or null when none is to be had.</summary>
    ValueTask<ZstdDictionaryBytes?> GetAsync(string endpoint, CancellationToken cancellationToken);

    /// <summary>Fetches the endpoint's current dictionary again (after <c>UnknownZstdDictionary</c>) and keeps it.</summary>
    ValueTask<ZstdDictionaryBytes?> RefetchAsync(string endpoint, CancellationToken cancellationToken);
}
