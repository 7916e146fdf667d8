using Azure;
using Azure.Storage.Blobs;
using Azure.Storage.Blobs.Models;
using Azure.Storage.Blobs.Specialized;
using Jetstream.Storage;
using Jetstream.Storage.Subscriptions;
using Microsoft.Extensions.Options;

namespace Jetstream.Grains.Backfill;

/// <summary>
/// The repair index: what each subscription last delivered of each repository (collection, rkey, CID), one block blob
/// <c>{subscription}/{generation}/{did}</c> per repository (<c>{subscription}/{did}</c> for a subscription stored before
/// generations: <see cref="SubscriptionDocument.Generation"/>) in the <c>Backfill:DeliveredContainer</c> container of the same storage
/// account, in the binary form of <see cref="DeliveredIndexEncoder"/> (about 46 bytes a record), sorted in the
/// repository's key order so that <see cref="RepairWalk"/> merges the two as they stream. Reading is one GET (404:
/// nothing delivered); writing is one PUT, or staged blocks committed at the end for a large one.
/// </summary>
public sealed class DeliveredIndex
{
    private readonly BlobContainerClient _container;
    private readonly CreateOnce _creation;

    public DeliveredIndex(StorageConnection connection, IOptions<BackfillOptions> options)
    {
        _container = connection.Container(options.Value.DeliveredContainer);
        _creation = new CreateOnce(ct => _container.CreateIfNotExistsAsync(cancellationToken: ct));
    }

    /// <summary>
    /// Staged blocks of at most this size (a block ends before an entry that might not fit). 1 MiB, about 23,000 records:
    /// the encoder's buffer is this size at most, and a pooled array of 4 or 8 MiB stays with the thread that returned it
    /// (row c in docs/performance.md found 23 MB of them after one large repository); a million records are 46 blocks.
    /// </summary>
    internal int BlockSize { get; init; } = 1024 * 1024;

    internal static string BlobName(string subscriptionId, string? generation, string did) =>
        generation is null ? subscriptionId + "/" + did : subscriptionId + "/" + generation + "/" + did;

    /// <summary>
    /// What every index of one subscription's generation starts with. A generation never starts with <c>did:</c>, so
    /// the names of an older document's indexes (<c>{subscription}/did:…</c>) share a prefix with no generation's.
    /// </summary>
    private static string Prefix(string subscriptionId, string? generation) =>
        generation is null ? subscriptionId + "/did:" : subscriptionId + "/" + generation + "/";

    /// <summary>Starts the one GET of the repository's index; the records stream in as the walk reads them.</summary>
    internal async Task<DeliveredView> OpenAsync(string subscriptionId, string? generation, string did, CancellationToken cancellationToken)
    {
        var name = BlobName(subscriptionId, generation, did);
        try
        {
            var download = await _container.GetBlobClient(name).DownloadStreamingAsync(cancellationToken: cancellationToken);
            return DeliveredView.Of(name, download.Value);
        }
        catch (RequestFailedException ex) when (ex.Status == 404)
        {
            return DeliveredView.Nothing;
        }
    }

    /// <summary>
    /// The repository's next index, committed only if the stored one is still <paramref name="basedOn"/>'s (absent
    /// when it was absent): a commit never overwrites an index this attempt did not compare against.
    /// </summary>
    internal DeliveredIndexUpload StartWrite(string subscriptionId, string? generation, string did, DeliveredView basedOn) =>
        new(_container.GetBlockBlobClient(BlobName(subscriptionId, generation, did)), _creation, basedOn.ETag, BlockSize);

    /// <summary>Deletes every index of one generation of the subscription (none of another's); the number deleted.</summary>
    internal async Task<long> DeleteAllAsync(string subscriptionId, string? generation, CancellationToken cancellationToken)
    {
        long deleted = 0;
        try
        {
            await foreach (var blob in _container.GetBlobsAsync(new GetBlobsOptions { Prefix = Prefix(subscriptionId, generation) }, cancellationToken))
            {
                await _container.DeleteBlobIfExistsAsync(blob.Name, cancellationToken: cancellationToken);
                deleted++;
            }
        }
        catch (RequestFailedException ex) when (ex.ErrorCode == BlobErrorCode.ContainerNotFound)
        {
            // No backfill ever wrote an index.
        }

        return deleted;
    }
}
