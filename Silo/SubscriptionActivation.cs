using Jetstream.Storage.Subscriptions;
using Jetstream.Grains;
using Jetstream.Grains.Interfaces;
using Jetstream.Grains.Interfaces.Retries;
using Jetstream.Grains.Options;
using Microsoft.Extensions.Options;

namespace Jetstream.Silo;

/// <summary>
/// At silo start: makes <c>default</c> from configuration and activates every enabled subscription. When storage
/// cannot answer, the silo still starts and this goes on trying in the background (reminders bring back the
/// subscriptions that ran before meanwhile).
/// </summary>
internal static partial class SubscriptionActivation
{
    private static readonly Backoff Retry = Backoff.Fixed(TimeSpan.FromSeconds(5));

    public static async Task RunAsync(IServiceProvider services, CancellationToken cancellationToken)
    {
        var options = services.GetRequiredService<IOptions<JetstreamOptions>>().Value;
        if (!options.AutoStart)
        {
            return;
        }

        if (!await TryActivateAsync(services, options, cancellationToken))
        {
            var lifetime = services.GetRequiredService<IHostApplicationLifetime>();
            var failures = new FailureStreak(Retry, services.GetRequiredService<TimeProvider>());
            _ = Task.Run(async () =>
            {
                while (!lifetime.ApplicationStopping.IsCancellationRequested && !await TryActivateAsync(services, options, lifetime.ApplicationStopping))
                {
                    await failures.FailedAndWaitAsync(lifetime.ApplicationStopping);
                }
            });
        }
    }

    private static async Task<bool> TryActivateAsync(IServiceProvider services, JetstreamOptions options, CancellationToken cancellationToken)
    {
        var logger = services.GetRequiredService<ILoggerFactory>().CreateLogger(typeof(SubscriptionActivation));
        try
        {
            var store = services.GetRequiredService<SubscriptionStore>();
            await DefaultSubscription.EnsureAsync(store, options, services.GetRequiredService<TimeProvider>(), cancellationToken);
            var grains = services.GetRequiredService<IGrainFactory>();
            var enabled = (await store.ListAsync(cancellationToken))
                .Where(s => s.Document is { Enabled: true, Lifecycle: SubscriptionLifecycle.Active })
                .ToArray();
            await Parallel.ForEachAsync(enabled, cancellationToken, async (subscription, _) =>
                await grains.GetGrain<IJetstreamProcessorGrain>(subscription.Document.Id).EnsureRunning());
            Activated(logger, enabled.Length);
            return true;
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            ActivationFailed(logger, ex, Retry.First);
            return false;
        }
    }

    [LoggerMessage(1, LogLevel.Information, "Activated {Count} enabled subscriptions")]
    private static partial void Activated(ILogger logger, int count);

    [LoggerMessage(2, LogLevel.Warning, "Could not read the subscriptions at start; trying again every {Delay}")]
    private static partial void ActivationFailed(ILogger logger, Exception exception, TimeSpan delay);
}
