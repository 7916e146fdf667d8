using Jetstream.Storage;
using Jetstream.WebhookConsumer.Circuit;
using Jetstream.WebhookConsumer.Deliver;
using Jetstream.WebhookConsumer.Hosting;
using Jetstream.WebhookConsumer.Receive;
using Jetstream.WebhookConsumer.Schedule;
using Jetstream.WebhookConsumer.Settle;
using Jetstream.WebhookConsumer.WakeOnWrite;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Jetstream.WebhookConsumer.Subscriptions;

/// <summary>
/// Builds one subscription's loop with its own queue clients, dead-letter queue, concurrency lane, the parts of its
/// batch processor (decoder, per-DID scheduler, attempt, settler) and, with wake-on-write on, its signal from the
/// processor.
/// </summary>
internal sealed class SubscriptionLoopFactory(
    EventQueueClientsFactory queues,
    DeliverySlots slots,
    WebhookSenderFactory senders,
    SubscriptionRemover remover,
    EndpointCircuits circuits,
    RetryPolicy retryPolicy,
    WebhookConsumerMetrics metrics,
    ConsumerHealth health,
    ClusterConnection cluster,
    IOptions<WebhookOptions> options,
    IOptions<WakeOnWriteOptions> wakeOptions,
    TimeProvider timeProvider,
    ILoggerFactory loggerFactory)
{
    public SubscriptionLoop Create(SubscriptionSettings settings)
    {
        var clients = queues.For(settings.Id);
        var deadLetters = queues.DeadLettersFor(settings.Id);
        var lane = slots.AddLane(settings.Id);
        var logger = loggerFactory.CreateLogger<BatchProcessor>();
        var scheduler = new DidScheduler(retryPolicy, timeProvider, options.Value.MaxPollInterval, options.Value.VisibilityTimeout);
        var processor = new BatchProcessor(
            new MessageDecoder(clients, deadLetters, health, options.Value, logger),
            new ShardContext(settings.Id, scheduler, new DeliveryAttempt(clients), lane, metrics, timeProvider, logger),
            new MessageSettler(clients, options.Value, deadLetters, metrics, timeProvider, logger),
            options.Value);
        var wake = wakeOptions.Value;
        var loopLogger = loggerFactory.CreateLogger<SubscriptionLoop>();
        var signal = wake.Enabled ? new QueueWriteSignal(cluster, settings.Id, wake, options.Value.MaxPollInterval, timeProvider, loopLogger) : null;
        var idle = new IdleWait(signal, clients.Queue, options.Value.MaxPollInterval, wake.IdlePollInterval, timeProvider, loopLogger, settings.Id);
        return new SubscriptionLoop(
            settings, clients, processor, lane, senders, remover, circuits, health, idle, signal,
            new KeptMessages(clients, processor, timeProvider, loopLogger),
            new QueueReceiver(clients, health, options.Value, timeProvider, loopLogger),
            new SubscriptionAnnouncer(clients, health, signal, loopLogger),
            options.Value, timeProvider, loopLogger);
    }
}
