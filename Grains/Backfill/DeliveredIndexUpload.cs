using System.Text;
using Azure.Data.Tables;
using Azure.Storage.Blobs.Models;
using Azure.Storage.Blobs.Specialized;

namespace Jetstream.Grains.Backfill;

/// <summary>
/// One attempt's new repair index of one repository, written as the walk goes, and made the repository's by
/// <see cref="CommitAsync"/>, which the caller runs only once the repository's messages are shown (queue before index:
/// a crash in between sends again with the same ids, never loses). A small index goes in its row; a larger one is
/// written first to a blob of this attempt's own (each full block of 1 MiB, about 23,000 records, staged as the walk
/// goes; one PUT when it is one block), which the row then names. The row's conditional write is the commit: nothing
/// of an attempt is seen before it, and a refused attempt's blob is removed.
/// </summary>
internal sealed class DeliveredIndexUpload(
    DeliveredIndex index, string subscriptionId, string? generation, string did, DeliveredView basedOn, int blockSize, int inlineLimit) : IDisposable
{
    private readonly DeliveredIndexEncoder _encoder = new();
    private readonly List<string> _blocks = [];

    // The blob's name and its block ids are this attempt's own: a crashed or refused attempt's blob and staged blocks
    // are never part of another's index.
    private readonly string _attempt = Guid.NewGuid().ToString("N");
    private BlockBlobClient? _blob;

    public long Records => _encoder.Records;

    public long Bytes => _encoder.Bytes;

    public async ValueTask AddAsync(DeliveredRecord record, CancellationToken cancellationToken)
    {
        _encoder.Add(record);
        if (_encoder.Buffered.Length > blockSize - DeliveredIndexEncoder.MaxEntryLength)
        {
            await StageAsync(cancellationToken);
        }
    }

    /// <summary>
    /// Makes the new index the repository's (or removes it when nothing is left). False, with nothing changed, when
    /// the stored index is no longer the one this attempt compared against: another attempt committed meanwhile.
    /// </summary>
    public async Task<bool> CommitAsync(CancellationToken cancellationToken)
    {
        var partition = DeliveredIndex.PartitionKey(subscriptionId, generation);
        if (_encoder.Records == 0)
        {
            if (basedOn.ETag is not { } etag)
            {
                // Nothing now, and nothing before as far as this attempt knows: true unless it did not look (a first
                // run) and an earlier attempt left one, whose records are then gone.
                return !await index.ExistsAsync(subscriptionId, generation, did, cancellationToken);
            }

            return await Replaced(await index.Rows.DeleteAsync(partition, did, etag), blob: null);
        }

        _encoder.Finish();
        var row = new TableEntity(partition, did) { ["Records"] = _encoder.Records };
        string? blob = null;
        if (_blocks.Count == 0 && _encoder.Buffered.Length <= inlineLimit)
        {
            row["Index"] = _encoder.Buffered.ToArray();
        }
        else
        {
            var client = await BlobAsync(cancellationToken);
            blob = client.Name;
            if (_blocks.Count == 0)
            {
                await client.UploadAsync(BinaryData.FromBytes(_encoder.Buffered).ToStream(), new BlobUploadOptions(), cancellationToken);
            }
            else
            {
                await StageAsync(cancellationToken);
                await client.CommitBlockListAsync(_blocks, new CommitBlockListOptions(), cancellationToken);
            }

            row["Blob"] = blob;
        }

        return await Replaced(await index.Rows.PutAsync(row, basedOn.ETag), blob);
    }

    public void Dispose() => _encoder.Dispose();

    /// <summary>Removes the blob no row names once the row's write answered: the replaced index's, or this attempt's if refused.</summary>
    private async Task<bool> Replaced(bool committed, string? blob)
    {
        await index.ForgetBlobAsync(committed ? basedOn.BlobName : blob);
        return committed;
    }

    private async Task<BlockBlobClient> BlobAsync(CancellationToken cancellationToken) =>
        _blob ??= await index.BlobAsync(DeliveredIndex.BlobName(subscriptionId, generation, did, _attempt), cancellationToken);

    private async Task StageAsync(CancellationToken cancellationToken)
    {
        var blob = await BlobAsync(cancellationToken);
        var id = Convert.ToBase64String(Encoding.ASCII.GetBytes($"{_attempt}-{_blocks.Count:D6}"));
        await blob.StageBlockAsync(id, BinaryData.FromBytes(_encoder.Buffered).ToStream(), new BlockBlobStageBlockOptions(), cancellationToken);
        _blocks.Add(id);
        _encoder.Clear();
    }
}
