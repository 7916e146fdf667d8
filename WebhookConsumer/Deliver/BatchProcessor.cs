using System.Collections.Concurrent;
using System.Collections.Frozen;
using Jetstream.WebhookConsumer.Hosting;
using Jetstream.WebhookConsumer.Receive;
using Jetstream.WebhookConsumer.Schedule;
using Jetstream.WebhookConsumer.Settle;

namespace Jetstream.WebhookConsumer.Deliver;

/// <summary>
/// One subscription's batches, in one direction: received messages are decoded (<see cref="MessageDecoder"/>), their
/// DIDs dealt into shards (<see cref="BatchShards"/>, each DID wholly in one) and every shard delivered on the one
/// path (<see cref="DeliveryShard"/>: plan, gate, slot, attempt, outcome), a single event being a request of one; then
/// the messages are settled (<see cref="MessageSettler"/>). One instance per subscription; the webhook is given per
/// batch, so a changed webhook keeps the per-DID memory (<see cref="DidScheduler"/>).
/// </summary>
internal sealed class BatchProcessor(MessageDecoder decoder, ShardContext shards, MessageSettler settler, WebhookOptions options)
{
    private DidScheduler Scheduler => shards.Scheduler;

    /// <summary>
    /// Decodes and delivers one received batch to <paramref name="sender"/>'s webhook, recording each event's outcome;
    /// nothing is written to the main queue yet (see <see cref="SettleAsync"/>).
    /// </summary>
    /// <param name="cancellationToken">Abandons the batch as a crash would: nothing more is written, the messages reappear later.</param>
    public async Task<DeliveredBatch> DeliverAsync(WebhookSender sender, ReceivedBatch batch, CancellationToken cancellationToken)
    {
        if (batch.DrainedAt is { } drainedAt)
        {
            // Told only now, with the batch in hand: an earlier event whose message it brought is scheduled with it.
            Scheduler.Drained(drainedAt);
        }

        var received = await decoder.DecodeAsync(batch.Messages, cancellationToken);

        // Starting an attempt later than this could outlive the messages' invisibility and let another consumer
        // deliver the same events at the same time.
        var deadline = batch.ReceivedAt + options.VisibilityTimeout - TimeSpan.FromSeconds(sender.TimeoutSeconds + 1);
        var outcomes = new ConcurrentBag<IReadOnlyDictionary<InFlightEvent, DeliveryOutcome>>();
        await Parallel.ForEachAsync(
            BatchShards.Deal(DidScheduler.ByDid(received), sender.BatchMaxEvents, options.MaxConcurrency),
            new ParallelOptions { MaxDegreeOfParallelism = options.MaxConcurrency, CancellationToken = cancellationToken },
            async (events, token) => outcomes.Add(await new DeliveryShard(shards, sender, events, deadline).RunAsync(token)));
        Scheduler.Prune();

        // Each event is in one shard only, so the shards' outcomes do not overlap.
        return new DeliveredBatch(received, outcomes.SelectMany(o => o).ToFrozenDictionary(), batch.ReceivedAt);
    }

    /// <summary>
    /// Settles every message of a delivered batch: dead-letter copies first, then delete or update; with
    /// <paramref name="keepUntil"/> (the open circuit's next probe) the messages waiting for it are kept in hand.
    /// </summary>
    public Task<IReadOnlyList<KeptMessage>> SettleAsync(DeliveredBatch delivered, DateTimeOffset? keepUntil, CancellationToken cancellationToken) =>
        settler.SettleAsync(keepUntil is { } probeAt ? Scheduler.WaitForProbe(delivered, probeAt) : delivered, keepUntil, cancellationToken);

    /// <summary>
    /// Settles every message of a batch delivered while the circuit is closed, keeping in hand the messages due by
    /// <paramref name="keepUntil"/> (<see cref="KeptMessages.KeepDueAsync"/>); nothing waits for a probe.
    /// </summary>
    public Task<IReadOnlyList<KeptMessage>> SettleKeepingDueAsync(DeliveredBatch delivered, DateTimeOffset keepUntil, CancellationToken cancellationToken) =>
        settler.SettleAsync(delivered, keepUntil, cancellationToken, renewKept: true);

    /// <summary>A receive that found the queue empty: nothing it did not bring is waiting there to be seen.</summary>
    public void Drained(DateTimeOffset receivedAt) => Scheduler.Drained(receivedAt);

    /// <summary>The loop waited for the endpoint's probe without receiving from <paramref name="from"/> to <paramref name="to"/>.</summary>
    public void Paused(DateTimeOffset from, DateTimeOffset to) => Scheduler.Paused(from, to);
}
