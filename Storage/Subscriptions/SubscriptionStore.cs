using System.Text.Json;
using Azure;
using Azure.Storage.Blobs;
using Azure.Storage.Blobs.Models;
using Microsoft.Extensions.Options;

namespace Jetstream.Storage.Subscriptions;

/// <summary>
/// The durable list of subscriptions: one JSON blob per subscription in <c>Subscriptions:Container</c>, written with
/// ETag preconditions, so concurrent writers (several Api instances, a silo seeding <c>default</c>) never overwrite each
/// other's change. A blob rather than a table row: 10,000 DIDs do not fit a table property (64 KiB).
/// </summary>
public sealed class SubscriptionStore
{
    private const int MaxUpdateAttempts = 10;

    private readonly BlobContainerClient _container;
    private readonly CreateOnce _creation;

    public SubscriptionStore(StorageConnection connection, IOptions<SubscriptionOptions> options)
    {
        _container = connection.Container(options.Value.Container);
        _creation = new CreateOnce(ct => _container.CreateIfNotExistsAsync(cancellationToken: ct));
    }

    /// <summary>Every subscription's id and version (one listing request), to find what changed without reading each.</summary>
    public async Task<IReadOnlyList<(string Id, ETag Version)>> ListVersionsAsync(CancellationToken cancellationToken = default)
    {
        await _creation.EnsureAsync(cancellationToken);
        var versions = new List<(string, ETag)>();
        await foreach (var blob in _container.GetBlobsAsync(cancellationToken: cancellationToken))
        {
            if (blob.Name.EndsWith(".json", StringComparison.Ordinal) && blob.Properties.ETag is { } etag)
            {
                versions.Add((blob.Name[..^5], etag));
            }
        }

        return versions;
    }

    public async Task<IReadOnlyList<StoredSubscription>> ListAsync(CancellationToken cancellationToken = default)
    {
        var versions = await ListVersionsAsync(cancellationToken);
        var documents = await Task.WhenAll(versions.Select(v => GetAsync(v.Id, cancellationToken)));
        return documents.OfType<StoredSubscription>().OrderBy(s => s.Document.Id, StringComparer.Ordinal).ToArray();
    }

    public async Task<StoredSubscription?> GetAsync(string id, CancellationToken cancellationToken = default)
    {
        await _creation.EnsureAsync(cancellationToken);
        try
        {
            var download = await Blob(id).DownloadContentAsync(cancellationToken);
            var document = JsonSerializer.Deserialize(download.Value.Content.ToMemory().Span, SubscriptionJsonContext.Default.SubscriptionDocument)
                ?? throw new FormatException($"Subscription document '{id}' is empty.");
            return new StoredSubscription(document, download.Value.Details.ETag);
        }
        catch (RequestFailedException ex) when (ex.Status == 404)
        {
            return null;
        }
    }

    /// <summary>
    /// Writes a new subscription, stamped with a new <see cref="SubscriptionDocument.Generation"/> unless it has one;
    /// false when one with its id exists already.
    /// </summary>
    public async Task<bool> TryCreateAsync(SubscriptionDocument document, CancellationToken cancellationToken = default)
    {
        await _creation.EnsureAsync(cancellationToken);
        // Time-ordered and unique: two lives of one id never share one, and none looks like a DID (the older index names).
        document = document.Generation is null ? document with { Generation = Guid.CreateVersion7().ToString("N") } : document;
        try
        {
            await Blob(document.Id).UploadAsync(Serialize(document), new BlobUploadOptions
            {
                Conditions = new BlobRequestConditions { IfNoneMatch = ETag.All },
                HttpHeaders = new BlobHttpHeaders { ContentType = "application/json" },
            }, cancellationToken);
            return true;
        }
        catch (RequestFailedException ex) when (ex.Status is 409 or 412)
        {
            return false;
        }
    }

    /// <summary>Removes the "awaiting its first backfill" mark (<see cref="SubscriptionDocument.AwaitingBackfill"/>) if it is there.</summary>
    public Task ClearAwaitingBackfillAsync(string id, CancellationToken cancellationToken = default) =>
        UpdateAsync(id, current => current.AwaitingBackfill ? current with { AwaitingBackfill = false } : null, cancellationToken);

    /// <summary>
    /// Reads, changes and writes a subscription under its ETag, retrying when another writer came first.
    /// <paramref name="change"/> returns null to leave it as it is. Null when there is no such subscription.
    /// </summary>
    public async Task<StoredSubscription?> UpdateAsync(string id, Func<SubscriptionDocument, SubscriptionDocument?> change, CancellationToken cancellationToken = default)
    {
        for (var attempt = 1; ; attempt++)
        {
            if (await GetAsync(id, cancellationToken) is not { } current)
            {
                return null;
            }

            if (change(current.Document) is not { } changed)
            {
                return current;
            }

            try
            {
                var upload = await Blob(id).UploadAsync(Serialize(changed), new BlobUploadOptions
                {
                    Conditions = new BlobRequestConditions { IfMatch = current.Version },
                    HttpHeaders = new BlobHttpHeaders { ContentType = "application/json" },
                }, cancellationToken);
                return new StoredSubscription(changed, upload.Value.ETag);
            }
            catch (RequestFailedException ex) when (ex.Status is 409 or 412 && attempt < MaxUpdateAttempts)
            {
                // Another writer changed it between the read and the write: read again and re-apply the change.
            }
        }
    }

    public async Task DeleteAsync(string id, CancellationToken cancellationToken = default)
    {
        await _creation.EnsureAsync(cancellationToken);
        await Blob(id).DeleteIfExistsAsync(cancellationToken: cancellationToken);
    }

    private BlobClient Blob(string id) =>
        SubscriptionId.IsValid(id) ? _container.GetBlobClient(id + ".json") : throw new ArgumentException($"Invalid subscription id '{id}'.", nameof(id));

    private static BinaryData Serialize(SubscriptionDocument document) =>
        new(JsonSerializer.SerializeToUtf8Bytes(document, SubscriptionJsonContext.Default.SubscriptionDocument));

}
