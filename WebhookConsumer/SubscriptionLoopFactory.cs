using Jetstream.EventQueue;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Jetstream.WebhookConsumer;

/// <summary>Builds one subscription's loop with its own queue clients, dead-letter queue, batch processor and concurrency lane.</summary>
internal sealed class SubscriptionLoopFactory(
    EventQueueClientsFactory queues,
    DeliverySlots slots,
    WebhookSenderFactory senders,
    SubscriptionRemover remover,
    RetryPolicy retryPolicy,
    WebhookConsumerMetrics metrics,
    ConsumerHealth health,
    IOptions<WebhookOptions> options,
    TimeProvider timeProvider,
    ILoggerFactory loggerFactory)
{
    public SubscriptionLoop Create(SubscriptionSettings settings)
    {
        var clients = queues.For(settings.Id);
        var lane = slots.AddLane(settings.Id);
        var processor = new BatchProcessor(clients, queues.DeadLettersFor(settings.Id), lane, retryPolicy, metrics, options, timeProvider,
            loggerFactory.CreateLogger<BatchProcessor>());
        return new SubscriptionLoop(settings, clients, processor, lane, senders, remover, health, options.Value, timeProvider,
            loggerFactory.CreateLogger<SubscriptionLoop>());
    }
}
