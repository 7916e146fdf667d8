using System.Text;
using Azure;
using Azure.Storage.Blobs.Models;
using Azure.Storage.Blobs.Specialized;
using Jetstream.Storage;

namespace Jetstream.Grains.Backfill;

/// <summary>
/// One attempt's new repair index of one repository, written as the walk goes: each full block (1 MiB, about 23,000
/// records) is staged as an uncommitted block with an id of this attempt, and nothing is visible until
/// <see cref="CommitAsync"/>, which the caller runs only once the repository's messages are shown (queue before index:
/// a crash in between sends again with the same ids, never loses). An index of one block is one PUT at the end.
/// </summary>
internal sealed class DeliveredIndexUpload(BlockBlobClient blob, CreateOnce containerCreation, ETag? basedOn, int blockSize) : IDisposable
{
    private readonly DeliveredIndexEncoder _encoder = new();
    private readonly List<string> _blocks = [];

    // Block ids are unique per attempt (and all of one length, as a blob's must be): a crashed attempt's staged
    // blocks are never part of another's commit, and vanish with it.
    private readonly string _attempt = Guid.NewGuid().ToString("N");

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
    /// Makes the new index the repository's (or deletes it when nothing is left). False, with nothing changed, when
    /// the stored index is no longer the one this attempt compared against: another attempt committed meanwhile.
    /// </summary>
    public async Task<bool> CommitAsync(CancellationToken cancellationToken)
    {
        var conditions = basedOn is { } etag ? new BlobRequestConditions { IfMatch = etag } : new BlobRequestConditions { IfNoneMatch = ETag.All };
        try
        {
            if (_encoder.Records == 0)
            {
                if (basedOn is null)
                {
                    // Nothing now, and nothing before as far as this attempt knows: true unless it did not look (a
                    // first run) and an earlier attempt left one, whose records are then gone.
                    return !await blob.ExistsAsync(cancellationToken);
                }

                await blob.DeleteIfExistsAsync(conditions: conditions, cancellationToken: cancellationToken);
                return true;
            }

            _encoder.Finish();
            await containerCreation.EnsureAsync(cancellationToken);
            if (_blocks.Count == 0)
            {
                await blob.UploadAsync(BinaryData.FromBytes(_encoder.Buffered).ToStream(), new BlobUploadOptions { Conditions = conditions }, cancellationToken);
            }
            else
            {
                await StageAsync(cancellationToken);
                await blob.CommitBlockListAsync(_blocks, new CommitBlockListOptions { Conditions = conditions }, cancellationToken);
            }

            return true;
        }
        catch (RequestFailedException ex) when (ex.Status == 412 || ex.ErrorCode == BlobErrorCode.BlobAlreadyExists)
        {
            return false;
        }
    }

    public void Dispose() => _encoder.Dispose();

    private async Task StageAsync(CancellationToken cancellationToken)
    {
        await containerCreation.EnsureAsync(cancellationToken);
        var id = Convert.ToBase64String(Encoding.ASCII.GetBytes($"{_attempt}-{_blocks.Count:D6}"));
        await blob.StageBlockAsync(id, BinaryData.FromBytes(_encoder.Buffered).ToStream(), new BlockBlobStageBlockOptions(), cancellationToken);
        _blocks.Add(id);
        _encoder.Clear();
    }
}
