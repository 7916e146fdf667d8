using Jetstream.WebhookConsumer.Receive;
using Jetstream.WebhookConsumer.Settle;

namespace Jetstream.WebhookConsumer.Subscriptions;

/// <summary>
/// Where a subscription loop's next batch comes from, and what it may tell the per-DID memory: the receive issued ahead
/// while the batch before was delivered, the messages kept in hand (<see cref="KeptMessages"/>), or a receive issued
/// now. Kept apart from the loop's life (settings, stop, pause, settle) because each source has its own rule about
/// whether a receive that found the queue empty saw all of it.
/// </summary>
internal sealed class BatchIntake(QueueReceiver receiver, KeptMessages kept, int batchSize)
{
    private Task<ReceivedBatch?>? _ahead;

    /// <summary>A receive is in flight for the next batch: it is delivered before the loop stops or switches settings.</summary>
    public bool HasAhead => _ahead is not null;

    /// <summary>The next batch is the messages kept for the endpoint's probe: nothing received ahead, something in hand.</summary>
    public bool ProbeFromHand(bool circuitClosed) => !circuitClosed && _ahead is null && kept.Any;

    /// <summary>The last batch was the messages kept for the probe, taken without a receive.</summary>
    public bool FromHand { get; private set; }

    /// <summary>
    /// A backlog waits behind the last batch: it came from hand after an outage, or its receive filled. Its messages
    /// that are due within a second are then kept in hand for the next batch rather than put back behind the backlog.
    /// </summary>
    public bool BacklogBehind { get; private set; }

    public void ReceiveAhead(bool deleting, CancellationToken cancellationToken) => _ahead = receiver.ReceiveAsync(deleting, cancellationToken);

    /// <returns>The next batch; null when every receive failed.</returns>
    /// <param name="circuitClosed">The endpoint's circuit is closed: what is kept in hand goes with a receive, not alone.</param>
    /// <param name="settling">The last batch's settle, which a receive that may count as having seen the queue waits for.</param>
    public async Task<ReceivedBatch?> NextAsync(bool circuitClosed, Task settling, bool deleting, CancellationToken cancellationToken)
    {
        FromHand = false;
        if (_ahead is { } ahead)
        {
            _ahead = null;

            // Issued while the batch before was in hand, and maybe the one before that still being settled: their
            // messages were hidden, so a receive that found the rest of the queue empty did not see them. Taken as
            // drained, it let the per-DID memory forget an event that had failed moments ago and its DID's next event
            // go first (OrderThroughOutageTests, 15 inversions under heavy load).
            var received = await ahead;
            return WithHand(received is { DrainedAt: not null } ? received with { DrainedAt = null } : received, circuitClosed);
        }

        if (!circuitClosed && kept.Any)
        {
            // The probe goes from the messages kept in hand, before anything is received; the queue behind them was
            // left untouched for the whole outage: a backlog waits, received at full width at once.
            FromHand = BacklogBehind = true;
            receiver.Widen();
            return kept.Take();
        }

        // Settled first, so a receive that sees the queue to the end also sees every message put back, and everything
        // kept by that settle goes with it.
        await settling;
        return WithHand(await receiver.ReceiveAsync(deleting, cancellationToken), circuitClosed);
    }

    /// <summary>
    /// The messages kept in hand go with the batch received, their events put back in queue order among its events
    /// (<c>DidScheduler.ByDid</c>): so the earlier event a kept one was held behind, if the receive brought it, goes
    /// first and the held one right after it. A receive issued with messages in hand did not see them: never drained.
    /// </summary>
    private ReceivedBatch? WithHand(ReceivedBatch? received, bool circuitClosed)
    {
        BacklogBehind = received is not null && received.Messages.Length >= batchSize;
        if (!circuitClosed || !kept.Any)
        {
            return received;
        }

        return ReceivedBatch.Union([kept.Take(), received]);
    }
}
