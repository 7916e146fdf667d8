using Azure;
using Jetstream.Storage;
using Jetstream.WebhookConsumer.Hosting;
using Jetstream.WebhookConsumer.Schedule;
using Microsoft.Extensions.Logging;

namespace Jetstream.WebhookConsumer.Receive;

/// <summary>
/// One subscription's receives from its queue: up to <c>Webhook:BatchSize</c> messages hidden for
/// <c>Webhook:VisibilityTimeout</c>, with when the receive was issued (their invisibility counts from then) and whether
/// it brought every visible message (the per-DID memory needs to know, <see cref="PendingLifetime"/>).
/// A backlog is received several batches wide (<see cref="ReceiveWidth"/>): one receive at a time bound the drain after
/// an outage to one storage round trip and one delivery round per 32 messages (about 150 messages/s on the bench).
/// After a receive that failed the loop waits as <see cref="ReceiveFailures"/> says.
/// </summary>
internal sealed class QueueReceiver(EventQueueClients clients, ConsumerHealth health, WebhookOptions options, TimeProvider timeProvider, ILogger logger)
{
    private readonly ReceiveWidth _width = new(options.MaxParallelReceives);
    private readonly ReceiveFailures _failures = new(options.MaxPollInterval, timeProvider);

    /// <summary>
    /// As many receives at once as the backlog calls for (<see cref="ReceiveWidth"/>), as one batch: null when every
    /// receive failed (logged), an empty batch when the queue had nothing visible.
    /// </summary>
    /// <param name="deleting">The subscription is being deleted: its queues are never created again (another consumer may just have removed them).</param>
    public async Task<ReceivedBatch?> ReceiveAsync(bool deleting, CancellationToken cancellationToken)
    {
        var width = _width.Current;
        if (width == 1)
        {
            var single = await ReceiveOnceAsync(options.BatchSize, options.VisibilityTimeout, deleting, cancellationToken);
            _width.Received(single is { DrainedAt: null, Messages.Length: > 0 });
            return single;
        }

        var batches = await Task.WhenAll(Enumerable.Range(0, width).Select(_ => ReceiveOnceAsync(options.BatchSize, options.VisibilityTimeout, deleting, cancellationToken)));
        _width.Received(batches.All(b => b is { DrainedAt: null, Messages.Length: > 0 }));
        return ReceivedBatch.Union(batches);
    }

    /// <summary>
    /// While the endpoint's circuit is open: up to <paramref name="messages"/> messages in receives of at most
    /// <c>Webhook:BatchSize</c>, up to <c>Webhook:MaxParallelReceives</c> at once, hidden for <paramref name="visibility"/>
    /// (past the next probe), to be held in hand (<see cref="Settle.KeptMessages.Hold"/>). The width is left as it is:
    /// the drain after the probe goes at full width anyway.
    /// </summary>
    /// <returns>The messages (null when every receive failed) and whether every receive filled (more wait).</returns>
    public async Task<(ReceivedBatch? Batch, bool Filled)> ReceiveToHoldAsync(int messages, TimeSpan visibility, bool deleting, CancellationToken cancellationToken)
    {
        var sizes = Enumerable.Range(0, Math.Min(options.MaxParallelReceives, (messages + options.BatchSize - 1) / options.BatchSize))
            .Select(i => Math.Min(options.BatchSize, messages - (i * options.BatchSize)))
            .ToArray();
        var batches = await Task.WhenAll(sizes.Select(size => ReceiveOnceAsync(size, visibility, deleting, cancellationToken)));
        return (ReceivedBatch.Union(batches), batches.All(b => b is { DrainedAt: null, Messages.Length: > 0 }));
    }

    /// <summary>After <see cref="ReceiveAsync"/> returned null: waits before the next receive, longer while the failures go on.</summary>
    public Task WaitAfterFailureAsync(CancellationToken cancellationToken) => _failures.WaitAsync(cancellationToken);

    /// <summary>The next receive goes at full width (<see cref="ReceiveWidth.Widen"/>): a backlog is known to wait.</summary>
    public void Widen() => _width.Widen();

    private async Task<ReceivedBatch?> ReceiveOnceAsync(int count, TimeSpan visibility, bool deleting, CancellationToken cancellationToken)
    {
        var receivedAt = timeProvider.GetUtcNow();
        try
        {
            if (!deleting)
            {
                await clients.EnsureCreatedAsync(cancellationToken);
            }

            var messages = await clients.Queue.ReceiveMessagesAsync(count, visibility, cancellationToken);
            health.ReceiveSucceeded(clients.SubscriptionId);
            _failures.Succeeded();
            return new ReceivedBatch(messages.Value, receivedAt, messages.Value.Length < count ? receivedAt : null);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            return new ReceivedBatch([], receivedAt);
        }
        catch (RequestFailedException ex) when (deleting && ex.Status == 404)
        {
            // Removed by another consumer (or the Api): empty, and the removal check confirms it is gone.
            return new ReceivedBatch([], receivedAt);
        }
        catch (Exception ex)
        {
            ConsumerLog.ReceiveFailed(logger, clients.SubscriptionId, ex, _failures.Next);
            return null;
        }
    }

    /// <summary>
    /// With batches on and <c>Webhook:BatchMaxWait</c> set, a receive that did not fill waits out the rest of that time
    /// and receives once more, so a trickle goes in fuller batches; its messages' invisibility counts from the first.
    /// </summary>
    /// <param name="stopping">Ends the wait early (a graceful stop); <paramref name="abort"/> cuts off the receive.</param>
    public async Task<ReceivedBatch> TopUpAsync(ReceivedBatch batch, TimeSpan wait, bool deleting, CancellationToken stopping, CancellationToken abort)
    {
        var left = batch.ReceivedAt + wait - timeProvider.GetUtcNow();
        if (left > TimeSpan.Zero)
        {
            await Task.Delay(left, timeProvider, stopping).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        }

        var more = await ReceiveAsync(deleting, abort);
        return more is { Messages.Length: > 0 } ? batch with { Messages = [.. batch.Messages, .. more.Messages], DrainedAt = more.DrainedAt ?? batch.DrainedAt } : batch;
    }
}
