using Jetstream.WebhookConsumer.Deliver;

namespace Jetstream.WebhookConsumer.Hosting;

/// <summary>
/// One shard's delivery attempts counted by outcome and added to <c>webhook.deliveries</c> once, when the shard is
/// done: with one request per event, a tagged counter update per request was a per-event cost the batch can carry.
/// Used by one shard at a time (its requests go one after another).
/// </summary>
internal sealed class AttemptTally
{
    private readonly long[] _counts = new long[WebhookConsumerMetrics.Outcomes.Length];

    public void Add(DeliveryResult result) => _counts[WebhookConsumerMetrics.OutcomeOf(result)]++;

    /// <summary>Adds the counts to the metric and starts again from zero.</summary>
    public void Record(WebhookConsumerMetrics metrics, string subscriptionId)
    {
        for (var i = 0; i < _counts.Length; i++)
        {
            if (_counts[i] > 0)
            {
                metrics.Attempted(subscriptionId, i, _counts[i]);
                _counts[i] = 0;
            }
        }
    }
}
