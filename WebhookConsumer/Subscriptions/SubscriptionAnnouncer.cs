using Jetstream.Storage;
using Jetstream.WebhookConsumer.Hosting;
using Jetstream.WebhookConsumer.WakeOnWrite;
using Microsoft.Extensions.Logging;

namespace Jetstream.WebhookConsumer.Subscriptions;

/// <summary>
/// Says what one subscription's loop does with the settings it switched to: in the log, in <c>/health</c>, and to its
/// processor (whether wake-on-write is wanted).
/// </summary>
internal sealed class SubscriptionAnnouncer(EventQueueClients clients, ConsumerHealth health, QueueWriteSignal? signal, ILogger logger)
{
    public void Announce(SubscriptionSettings settings)
    {
        var id = clients.SubscriptionId;

        // Only a processor that reads writes: a paused or deleting subscription's would be activated for nothing.
        signal?.Want(settings.Reading && !settings.Deleting && !settings.Discard);
        if (settings.Discard)
        {
            return;
        }

        if (settings.Webhook is not { } webhook)
        {
            ConsumerLog.Waiting(logger, id, settings.WaitReason ?? "no webhook", clients.QueueName);
            health.Waiting(id, settings.WaitReason ?? "no webhook");
            return;
        }

        ConsumerLog.Started(logger, id, clients.QueueName, settings.DisplayUrl, !string.IsNullOrWhiteSpace(webhook.Secret),
            webhook.TimeoutSeconds, webhook.MaxAttempts, webhook.RetrySchedule.Aggregate(TimeSpan.Zero, (sum, step) => sum + step));
        health.Started(id);
        if (settings.Deleting)
        {
            ConsumerLog.Draining(logger, id);
        }
    }
}
