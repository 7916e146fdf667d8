using Jetstream.EventQueue;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Jetstream.WebhookConsumer;

/// <summary>
/// Builds one subscription's loop with its own queue clients, dead-letter queue, concurrency lane and the parts of its
/// batch processor (decoder, per-DID scheduler, attempt, settler).
/// </summary>
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
        var deadLetters = queues.DeadLettersFor(settings.Id);
        var lane = slots.AddLane(settings.Id);
        var logger = loggerFactory.CreateLogger<BatchProcessor>();
        var processor = new BatchProcessor(
            settings.Id,
            new MessageDecoder(clients, deadLetters, logger),
            new DidScheduler(retryPolicy, timeProvider, options.Value.MaxPollInterval),
            new DeliveryAttempt(clients),
            new MessageSettler(clients, deadLetters, metrics, timeProvider, logger),
            lane,
            metrics,
            options.Value,
            timeProvider,
            logger);
        return new SubscriptionLoop(settings, clients, processor, lane, senders, remover, health, options.Value, timeProvider,
            loggerFactory.CreateLogger<SubscriptionLoop>());
    }
}
