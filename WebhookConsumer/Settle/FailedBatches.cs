using Jetstream.Storage;
using Jetstream.WebhookConsumer.Receive;

namespace Jetstream.WebhookConsumer.Settle;

/// <summary>
/// Which failed batches (batched webhooks) the settler writes into a message of their own: a batch being retried
/// (<see cref="QueuedEvent.BatchId"/> on its events' outcomes) of at least two events spread over more than one
/// message, that fits one message. Its events, in body order, with their outcomes.
/// </summary>
internal static class FailedBatches
{
    public static IEnumerable<IReadOnlyList<(InFlightEvent Event, DeliveryOutcome Outcome)>> ToRegroup(DeliveredBatch delivered, int maxMessageBytes)
    {
        var failed = delivered.Messages.SelectMany(m => m.Events)
            .Select(e => (Event: e, Outcome: delivered.OutcomeOf(e)))
            .Where(m => m.Outcome.Kind == EventOutcome.Retry && m.Outcome.Updated.BatchId is not null)
            .GroupBy(m => m.Outcome.Updated.BatchId!, StringComparer.Ordinal);
        foreach (var batch in failed)
        {
            var members = batch.OrderBy(m => m.Outcome.Updated.BatchIndex).ToArray();
            if (members.Length < 2 || members.Select(m => m.Event.Message).Distinct().Count() == 1)
            {
                continue;
            }

            // The version 1 estimate: an upper bound for version 2 too.
            if (members.Sum(m => QueueMessageCodec.EstimateSize(m.Outcome.Updated)) + QueueMessageCodec.MessageOverheadBytes > maxMessageBytes)
            {
                continue;
            }

            yield return members;
        }
    }
}
