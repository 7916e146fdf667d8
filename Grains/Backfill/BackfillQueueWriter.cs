using Azure.Storage.Queues.Models;
using Jetstream.Storage;

namespace Jetstream.Grains.Backfill;

/// <summary>
/// Queues one repository's changes with the queue's codec (<see cref="MessagePacker"/>, large events to blobs), each
/// full message invisible for <c>Backfill:HoldSeconds</c>, and shows them all once the repository has been read to its
/// end and verified (<see cref="RevealAsync"/>), or deletes them (<see cref="DiscardAsync"/>): a repository that fails a
/// check late in its stream has nothing of it delivered, and nothing of it is held in memory meanwhile. The last
/// message, packed when the repository is already verified, is sent visible after the held ones are shown, gathered
/// with other repositories' last messages (<see cref="GatheredSends"/>): most repositories fit one message, which then
/// costs a share of one request instead of a send and a visibility update.
/// Not thread-safe: one per attempt.
/// </summary>
internal sealed class BackfillQueueWriter(EventQueueClients queue, TimeSpan hold, GatheredSends sends)
{
    private readonly MessagePacker _packer = MessagePacker.Create(queue.Options);
    private readonly List<QueuedEvent> _packed = [];
    private readonly List<SendReceipt> _held = [];
    private readonly List<(string BlobName, byte[] Body)> _blobs = [];

    public int Events { get; private set; }

    public async Task AddAsync(QueuedEvent queuedEvent, CancellationToken cancellationToken)
    {
        if (Events == 0)
        {
            await queue.EnsureCreatedAsync(cancellationToken);
        }

        if (!_packer.FitsAlone(queuedEvent))
        {
            var blobName = queue.BlobNameFor(queuedEvent.EventId);
            _blobs.Add((blobName, queuedEvent.EventJson.ToArray()));
            queuedEvent = queuedEvent with { EventJson = default, BlobName = blobName };
        }

        if (!_packer.TryAdd(queuedEvent))
        {
            await SendHeldAsync(cancellationToken);
            _packer.TryAdd(queuedEvent);
        }

        _packed.Add(queuedEvent);
        Events++;
        if (_packer.IsFull)
        {
            await SendHeldAsync(cancellationToken);
        }
    }

    /// <summary>
    /// Called once the repository was read and verified to its end: shows the held messages in the order sent, then
    /// sends what is still packed visible, behind them (a queue gives out messages in the order they became visible).
    /// </summary>
    public async Task RevealAsync(CancellationToken cancellationToken)
    {
        foreach (var receipt in _held)
        {
            await queue.Queue.UpdateMessageAsync(receipt.MessageId, receipt.PopReceipt, visibilityTimeout: TimeSpan.Zero, cancellationToken: cancellationToken);
        }

        _held.Clear();
        if (_packer.Count > 0)
        {
            await UploadBlobsAsync(cancellationToken);
            _packer.Clear();
            List<QueuedEvent> last = [.. _packed];
            _packed.Clear();
            await sends.SendAsync(queue, last);
        }
    }

    /// <summary>Deletes the messages sent so far (best effort: one left shows after the hold, with its deterministic id).</summary>
    public async Task DiscardAsync()
    {
        _packer.Clear();
        _packed.Clear();
        foreach (var receipt in _held)
        {
            try
            {
                await queue.Queue.DeleteMessageAsync(receipt.MessageId, receipt.PopReceipt);
            }
            catch (Azure.RequestFailedException)
            {
                // Gone already or the queue is failing: the hold runs out, and its events carry the ids a retry would send.
            }
        }

        _held.Clear();
    }

    /// <summary>A full message, sent held.</summary>
    private async Task SendHeldAsync(CancellationToken cancellationToken)
    {
        await UploadBlobsAsync(cancellationToken);
        _packed.Clear();
        var receipt = await queue.Queue.SendMessageAsync(_packer.Finish(), visibilityTimeout: hold, timeToLive: TimeSpan.FromSeconds(-1), cancellationToken);
        _held.Add(receipt.Value);
    }

    private async Task UploadBlobsAsync(CancellationToken cancellationToken)
    {
        foreach (var (blobName, body) in _blobs)
        {
            await queue.LargeEvents.GetBlobClient(blobName).UploadAsync(new BinaryData(body), overwrite: true, cancellationToken);
        }

        _blobs.Clear();
    }
}
