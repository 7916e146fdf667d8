using Azure;
using Azure.Storage.Blobs.Models;

namespace Jetstream.Grains.Backfill;

/// <summary>
/// What <see cref="RepairWalk"/> compares a repository with: the repository's repair index as its one GET streams it
/// in (never a list of its entries), or nothing (404, or not read at all: a subscription's first run). Its
/// <see cref="ETag"/> is what the next index is committed against.
/// </summary>
internal sealed class DeliveredView : IAsyncDisposable
{
    private readonly BlobDownloadStreamingResult? _download;
    private readonly DeliveredIndexDecoder? _decoder;

    private DeliveredView(string? blobName, BlobDownloadStreamingResult? download)
    {
        _download = download;
        _decoder = download is null ? null : new DeliveredIndexDecoder(download.Content, blobName!);
    }

    /// <summary>No index: everything is a create.</summary>
    public static DeliveredView Nothing => new(null, null);

    /// <summary>The stored index's version; null when there is none.</summary>
    public ETag? ETag => _download?.Details.ETag;

    public static DeliveredView Of(string blobName, BlobDownloadStreamingResult download) => new(blobName, download);

    /// <summary>The delivered records in the repository's key order (<see cref="RepoKeyOrder"/>). Read once.</summary>
    public IAsyncEnumerable<DeliveredRecord> Records(CancellationToken cancellationToken) =>
        _decoder?.ReadAsync(cancellationToken) ?? AsyncEnumerable.Empty<DeliveredRecord>();

    public ValueTask DisposeAsync()
    {
        _decoder?.Dispose();
        _download?.Dispose();
        return ValueTask.CompletedTask;
    }
}
