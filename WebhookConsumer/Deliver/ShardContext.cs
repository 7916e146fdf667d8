using Jetstream.WebhookConsumer.Hosting;
using Jetstream.WebhookConsumer.Receive;
using Jetstream.WebhookConsumer.Schedule;
using Microsoft.Extensions.Logging;

namespace Jetstream.WebhookConsumer.Deliver;

/// <summary>What every shard of one subscription's batches works with: its per-DID memory, the attempt, its lane of the shared concurrency and its telemetry.</summary>
internal sealed record ShardContext(
    string SubscriptionId,
    DidScheduler Scheduler,
    DeliveryAttempt Attempt,
    DeliveryLane Lane,
    WebhookConsumerMetrics Metrics,
    TimeProvider TimeProvider,
    ILogger Logger)
{
    public void CopySkipped(InFlightEvent inFlight)
    {
        ConsumerLog.CopySkipped(Logger, SubscriptionId, inFlight.Queued.EventId, inFlight.Message.Message.MessageId);
        Metrics.CopySkipped(SubscriptionId);
    }
}
