using Jetstream.Storage;
using Jetstream.Storage.Subscriptions;
using Microsoft.Extensions.Logging;

namespace Jetstream.Grains.Processing;

/// <summary>
/// Before the first connection: the subscription is read and its queue created, retried with the storage backoff
/// while storage cannot answer (the error goes to /status meanwhile).
/// </summary>
public sealed class StartupGate(SubscriptionStore subscriptions, EventQueueClients queue, ProcessorReminder reminder, TimeProvider time, TimeSpan maxRetryDelay, ILogger logger, string key)
{
    /// <summary>The active subscription, or null when there is none (its reminder is then removed) or the grain stops.</summary>
    public async Task<SubscriptionDocument?> PrepareAsync(Action<string> unavailable, CancellationToken stopping)
    {
        var backoff = ProcessorBackoff.ForStorage(maxRetryDelay, time);
        for (var attempt = 1; ; attempt++)
        {
            var step = "Subscription store";
            try
            {
                var stored = await subscriptions.GetAsync(key, stopping);
                if (stored?.Document is not { Lifecycle: SubscriptionLifecycle.Active } subscription)
                {
                    Log.NoSuchSubscription(logger, key);
                    await reminder.UnregisterAsync();
                    return null;
                }

                await reminder.RegisterAsync();
                step = $"Queue '{queue.QueueName}'";
                await queue.EnsureCreatedAsync(stopping);
                return subscription;
            }
            catch (OperationCanceledException) when (stopping.IsCancellationRequested)
            {
                return null;
            }
            catch (Exception ex)
            {
                var delay = backoff.NextDelay();
                unavailable($"{step} cannot be read or reached: {ErrorText.Of(ex)}");
                Log.QueueWriteFailed(logger, ex, key, attempt, delay);
                try
                {
                    await backoff.WaitAsync(delay, stopping);
                }
                catch (OperationCanceledException)
                {
                    return null;
                }
            }
        }
    }
}
