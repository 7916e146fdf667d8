using System.Collections.Concurrent;
using Azure;
using Azure.Storage.Blobs;
using Jetstream.Storage;
using Microsoft.Extensions.Logging;

namespace Jetstream.Grains.Connection;

/// <summary>
/// v2 dictionaries (PROTOCOL.md §3.3): the copy kept in blob storage (so a restart does not depend on the fetch), else
/// one fetched from the endpoint's <c>getZstdDictionary</c> and stored, else the built-in 20260811 dictionary. A
/// fetched dictionary is used only if its own header carries the id the server announced.
/// </summary>
public sealed class StoredZstdDictionaries(StorageConnection storage, IHttpClientFactory http, TimeProvider time, ILogger<StoredZstdDictionaries> logger) : IZstdDictionarySource
{
    public const string ContainerName = "jetstream-zstd-dictionaries";
    private const string GetZstdDictionaryPath = "/xrpc/network.bsky.jetstream.getZstdDictionary";

    /// <summary>The named <see cref="HttpClient"/> of the fetch (15 s), registered by <c>AddJetstreamProcessor</c>.</summary>
    public const string HttpClientName = "zstd-dictionaries";

    private readonly ConcurrentDictionary<string, ZstdDictionaryBytes> _known = new(StringComparer.Ordinal);
    private readonly BlobContainerClient _container = storage.Container(ContainerName);

    public async ValueTask<ZstdDictionaryBytes?> GetAsync(string endpoint, CancellationToken cancellationToken)
    {
        var host = HostOf(endpoint);
        if (_known.TryGetValue(host, out var known))
        {
            return known;
        }

        var dictionary = await ReadStoredAsync(host, cancellationToken) ?? await FetchAndStoreAsync(endpoint, cancellationToken) ?? BuiltInDictionaries.SubscribeEvents20260811;
        if (dictionary is not null)
        {
            _known[host] = dictionary;
        }

        return dictionary;
    }

    public async ValueTask<ZstdDictionaryBytes?> RefetchAsync(string endpoint, CancellationToken cancellationToken)
    {
        var fresh = await FetchAndStoreAsync(endpoint, cancellationToken);
        if (fresh is not null)
        {
            _known[HostOf(endpoint)] = fresh;
        }

        return fresh;
    }

    private async Task<ZstdDictionaryBytes?> ReadStoredAsync(string host, CancellationToken cancellationToken)
    {
        try
        {
            var content = await _container.GetBlobClient(BlobName(host)).DownloadContentAsync(cancellationToken);
            var dictionary = ZstdDictionaryBytes.TryCreate(content.Value.Content.ToArray(), $"stored ({ContainerName}/{BlobName(host)})");
            if (dictionary is null)
            {
                Log.DictionaryProblem(logger, "-", host, "the stored copy is not a zstd dictionary; fetching again");
            }

            return dictionary;
        }
        catch (RequestFailedException)
        {
            // Not stored yet, or storage is unreachable: the fetch (or the built-in copy) will do.
            return null;
        }
    }

    private async Task<ZstdDictionaryBytes?> FetchAndStoreAsync(string endpoint, CancellationToken cancellationToken)
    {
        var uri = new UriBuilder(endpoint) { Scheme = endpoint.StartsWith("wss:", StringComparison.Ordinal) ? "https" : "http", Path = GetZstdDictionaryPath, Query = "" }.Uri;
        byte[] bytes;
        string? announced;
        try
        {
            using var response = await http.CreateClient(HttpClientName).GetAsync(uri, cancellationToken);
            if (!response.IsSuccessStatusCode)
            {
                Log.DictionaryProblem(logger, "-", endpoint, $"getZstdDictionary answered HTTP {(int)response.StatusCode}");
                return null;
            }

            announced = response.Headers.TryGetValues("X-Zstd-Dictionary-Id", out var ids) ? ids.FirstOrDefault() : null;
            bytes = await response.Content.ReadAsByteArrayAsync(cancellationToken);
        }
        catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException && !cancellationToken.IsCancellationRequested)
        {
            Log.DictionaryProblem(logger, "-", endpoint, $"getZstdDictionary failed: {ex.Message}");
            return null;
        }

        var dictionary = ZstdDictionaryBytes.TryCreate(bytes, $"fetched {time.GetUtcNow():O} from {uri}");
        if (dictionary is null || (announced is not null && announced != dictionary.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)))
        {
            Log.DictionaryProblem(logger, "-", endpoint, $"getZstdDictionary returned {bytes.Length} bytes that are not dictionary {announced ?? "(no id announced)"}");
            return null;
        }

        try
        {
            await _container.CreateIfNotExistsAsync(cancellationToken: cancellationToken);
            await _container.GetBlobClient(BlobName(HostOf(endpoint))).UploadAsync(new BinaryData(bytes), overwrite: true, cancellationToken);
        }
        catch (RequestFailedException ex)
        {
            Log.DictionaryProblem(logger, "-", endpoint, $"fetched dictionary {dictionary.Id} could not be stored: {ex.Message}");
        }

        return dictionary;
    }

    private static string HostOf(string endpoint) => new Uri(endpoint).Authority;

    private static string BlobName(string host) => host.Replace(':', '_') + ".zdict";
}
