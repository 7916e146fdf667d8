using Azure.Storage.Queues.Models;
using Jetstream.EventQueue.Circuits;
using Microsoft.Extensions.Logging;

namespace Jetstream.WebhookConsumer;

/// <summary>
/// One subscription's batches, in one direction: received messages are decoded (<see cref="MessageDecoder"/>), each
/// DID's events are scheduled in queue order (<see cref="DidScheduler"/>) and the due ones attempted
/// (<see cref="DeliveryAttempt"/>) within the subscription's lane of the shared concurrency and through its webhook
/// endpoint's circuit (<see cref="EndpointCircuit"/>: while it is open, due events are held for the next probe without
/// spending an attempt, and while a probe is on its way they wait for its answer), then the messages are
/// settled (<see cref="MessageSettler"/>). With batched webhooks on, the attempts are batches (<see cref="BatchedDelivery"/>).
/// One instance per subscription; the webhook is given per batch, so a changed
/// webhook keeps the per-DID memory.
/// </summary>
internal sealed class BatchProcessor(
    string subscriptionId,
    MessageDecoder decoder,
    DidScheduler scheduler,
    DeliveryAttempt attempt,
    BatchedDelivery batched,
    MessageSettler settler,
    DeliveryLane lane,
    WebhookConsumerMetrics metrics,
    WebhookOptions options,
    TimeProvider timeProvider,
    ILogger logger)
{
    /// <summary>
    /// Decodes and delivers one received batch to <paramref name="sender"/>'s webhook, recording each event's outcome;
    /// nothing is written to the main queue yet (see <see cref="SettleAsync"/>).
    /// </summary>
    /// <param name="receivedAt">When the receive was issued: the messages are hidden from then for the visibility timeout.</param>
    /// <param name="cancellationToken">Abandons the batch as a crash would: nothing more is written, the messages reappear later.</param>
    public async Task<IReadOnlyList<ReceivedMessage>> DeliverAsync(WebhookSender sender, ReceivedBatch batch, CancellationToken cancellationToken)
    {
        var receivedAt = batch.ReceivedAt;
        if (batch.DrainedAt is { } drainedAt)
        {
            // Told only now, with the batch in hand: an earlier event whose message it brought is scheduled with it.
            scheduler.Drained(drainedAt);
        }

        var received = await decoder.DecodeAsync(batch.Messages, cancellationToken);

        // Starting an attempt later than this could outlive the messages' invisibility and let another consumer
        // deliver the same events at the same time.
        var deadline = receivedAt + options.VisibilityTimeout - TimeSpan.FromSeconds(sender.TimeoutSeconds + 1);
        if (sender.BatchMaxEvents > 1)
        {
            await batched.DeliverAsync(sender, received, deadline, cancellationToken);
            scheduler.Prune();
            return received;
        }

        await Parallel.ForEachAsync(
            DidScheduler.ByDid(received),
            new ParallelOptions { MaxDegreeOfParallelism = options.MaxConcurrency, CancellationToken = cancellationToken },
            (events, token) => DeliverInOrderAsync(sender, events, deadline, token));
        scheduler.Prune();
        return received;
    }

    /// <summary>
    /// Settles every message of a delivered batch: dead-letter copies first, then delete or update; with
    /// <paramref name="keepUntil"/> (the open circuit's next probe) the messages waiting for it are kept in hand.
    /// </summary>
    public Task<IReadOnlyList<KeptMessage>> SettleAsync(IReadOnlyList<ReceivedMessage> delivered, DateTimeOffset? keepUntil, CancellationToken cancellationToken)
    {
        if (keepUntil is { } probeAt)
        {
            scheduler.WaitForProbe(delivered, probeAt);
        }

        return settler.SettleAsync(delivered, keepUntil, cancellationToken);
    }

    /// <summary>A receive that found the queue empty: nothing it did not bring is waiting there to be seen.</summary>
    public void Drained(DateTimeOffset receivedAt) => scheduler.Drained(receivedAt);

    /// <summary>The loop waited for the endpoint's probe without receiving from <paramref name="from"/> to <paramref name="to"/>.</summary>
    public void Paused(DateTimeOffset from, DateTimeOffset to) => scheduler.Paused(from, to);

    private async ValueTask DeliverInOrderAsync(WebhookSender sender, IReadOnlyList<InFlightEvent> events, DateTimeOffset deadline, CancellationToken cancellationToken)
    {
        var turn = scheduler.Begin(events[0].Did);
        var circuit = sender.Circuit;
        foreach (var inFlight in events)
        {
            while (true)
            {
                // Asked before taking a slot, so events waiting for a probe's answer (or held for the next one) hold none.
                if (turn.WouldStart(inFlight, deadline) && await circuit.WaitAsync(deadline, cancellationToken) is { } openUntil)
                {
                    turn.HoldForCircuit(inFlight, openUntil, circuit.Snapshot.LastError);
                    break;
                }

                // Before the checks, so time spent waiting for a slot counts against the batch deadline.
                using var slot = turn.IsHeld ? default : await lane.AcquireAsync(cancellationToken);
                if (!turn.TryStart(inFlight, deadline))
                {
                    if (inFlight.Outcome == EventOutcome.Copy)
                    {
                        ConsumerLog.CopySkipped(logger, subscriptionId, inFlight.Queued.EventId, inFlight.Message.Message.MessageId);
                        metrics.CopySkipped(subscriptionId);
                    }

                    break;
                }

                var result = await attempt.RunAsync(sender, inFlight.Queued, cancellationToken);
                if (!result.Sent)
                {
                    // The circuit opened, or another request became the probe, since it was asked: ask again.
                    continue;
                }

                lane.Record(result.Delivered);
                metrics.Attempted(subscriptionId, result);
                switch (turn.Finish(inFlight, result, circuit.State == EndpointCircuitState.Open ? circuit.ProbeAt : null))
                {
                    case EventOutcome.Delivered:
                        metrics.Delivered(subscriptionId, timeProvider.GetUtcNow() - inFlight.Queued.QueuedAt);
                        break;
                    case EventOutcome.Retry:
                        ConsumerLog.AttemptFailed(logger, subscriptionId, inFlight.Queued.EventId, inFlight.Updated.Attempts, result.Error);
                        metrics.Retried(subscriptionId);
                        break;
                }

                break;
            }
        }
    }
}
