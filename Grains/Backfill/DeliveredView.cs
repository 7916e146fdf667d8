using Azure;

namespace Jetstream.Grains.Backfill;

/// <summary>
/// What <see cref="RepairWalk"/> compares a repository with: the repository's repair index as it streams in, from its
/// row or its blob's one GET (never a list of its entries), or nothing (no row, or not read at all: a subscription's
/// first run). Its <see cref="ETag"/> (the row's) is what the next index is committed against.
/// </summary>
internal sealed class DeliveredView : IAsyncDisposable
{
    private readonly IDisposable? _source;
    private readonly DeliveredIndexDecoder? _decoder;

    private DeliveredView(string? where, Stream? content, IDisposable? source, ETag? etag, string? blobName)
    {
        _source = source;
        _decoder = content is null ? null : new DeliveredIndexDecoder(content, where!);
        ETag = etag;
        BlobName = blobName;
    }

    /// <summary>No index: everything is a create.</summary>
    public static DeliveredView Nothing => new(null, null, null, null, null);

    /// <summary>The stored index's version (its row's); null when there is none.</summary>
    public ETag? ETag { get; }

    /// <summary>The blob that holds this index, if it is not in its row: removed once a new index replaces it.</summary>
    public string? BlobName { get; }

    /// <param name="where">Names the index in an error (a row or a blob).</param>
    public static DeliveredView Of(string where, Stream content, ETag etag, string? blobName) => new(where, content, content, etag, blobName);

    public static DeliveredView Of(string where, Azure.Storage.Blobs.Models.BlobDownloadStreamingResult download, ETag etag, string blobName) =>
        new(where, download.Content, download, etag, blobName);

    /// <summary>The delivered records in the repository's key order (<see cref="RepoKeyOrder"/>). Read once.</summary>
    public IAsyncEnumerable<DeliveredRecord> Records(CancellationToken cancellationToken) =>
        _decoder?.ReadAsync(cancellationToken) ?? AsyncEnumerable.Empty<DeliveredRecord>();

    public ValueTask DisposeAsync()
    {
        _decoder?.Dispose();
        _source?.Dispose();
        return ValueTask.CompletedTask;
    }
}
