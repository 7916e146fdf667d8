using Jetstream.Storage.Subscriptions;
using Jetstream.WebhookConsumer.Subscriptions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Jetstream.WebhookConsumer.Hosting;

/// <summary>
/// Keeps one <see cref="SubscriptionLoop"/> per subscription while the host runs: every <c>Subscriptions:RefreshSeconds</c>
/// it lists the documents' versions (one request) and reads only the new and changed ones, starts loops for new
/// subscriptions, hands changed settings to running loops, and stops the loops of subscriptions whose document is gone.
/// <c>default</c> is served from <c>Webhook:*</c> even without a document, as the single-pipeline consumer was. Nothing
/// is delivered before the list was read once: a document may give <c>default</c> a different webhook.
/// Stopping stops every loop at once, each finishing its batches in hand within the host's shutdown timeout.
/// </summary>
internal sealed class WebhookConsumerService(
    SubscriptionStore store,
    SubscriptionSettingsFactory settingsFactory,
    SubscriptionLoopFactory loopFactory,
    ConsumerHealth health,
    IOptions<SubscriptionOptions> subscriptionOptions,
    IOptions<WebhookOptions> webhookOptions,
    TimeProvider timeProvider,
    ILogger<WebhookConsumerService> logger) : BackgroundService
{
    private readonly Dictionary<string, SubscriptionLoop> _loops = new(StringComparer.Ordinal);

    // Loops of vanished subscriptions finishing their batches in hand; a refresh does not wait for them.
    private readonly List<(SubscriptionLoop Loop, Task Stopped)> _retiring = [];
    private readonly Dictionary<string, Azure.ETag> _versions = new(StringComparer.Ordinal);
    private readonly TimeSpan _refresh = TimeSpan.FromSeconds(subscriptionOptions.Value.RefreshSeconds);

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        await base.StopAsync(cancellationToken);

        // Retiring loops too, again: now with the shutdown timeout, which abandons what is left when it runs out.
        await Task.WhenAll(_loops.Values.Concat(_retiring.Select(r => r.Loop)).Select(loop => loop.StopAsync(abandon: false, cancellationToken)));
        foreach (var loop in _loops.Values.Concat(_retiring.Select(r => r.Loop)))
        {
            await loop.DisposeAsync();
        }

        _loops.Clear();
        _retiring.Clear();
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var options = webhookOptions.Value;
        ConsumerLog.ConsumerStarted(logger, options.MaxConcurrency, (int)_refresh.TotalSeconds,
            options.AllowPrivateNetworks ? "allowed (Webhook:AllowPrivateNetworks)" : "refused for subscription webhooks");
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await RefreshAsync(stoppingToken);
                health.SubscriptionsRead();
            }
            catch (Exception ex) when (!stoppingToken.IsCancellationRequested)
            {
                ConsumerLog.RefreshFailed(logger, ex, _refresh);
            }

            await ReapEndedAsync();
            await Task.Delay(_refresh, timeProvider, stoppingToken).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        }
    }

    private async Task RefreshAsync(CancellationToken cancellationToken)
    {
        var listed = new HashSet<string>(StringComparer.Ordinal);
        foreach (var (id, version) in await store.ListVersionsAsync(cancellationToken))
        {
            listed.Add(id);
            if (_versions.TryGetValue(id, out var known) && known == version)
            {
                continue;
            }

            // Gone between the listing and the read: the next listing says so.
            if (await store.GetAsync(id, cancellationToken) is { } stored)
            {
                _versions[id] = version;
                Serve(settingsFactory.FromDocument(stored));
            }
        }

        foreach (var id in _versions.Keys.Where(id => !listed.Contains(id)).ToArray())
        {
            _versions.Remove(id);
            if (id == SubscriptionDocument.DefaultId)
            {
                Serve(settingsFactory.FromConfiguration());
            }
            else if (_loops.Remove(id, out var loop))
            {
                ConsumerLog.Stopped(logger, id, "its document is gone");
                _retiring.Add((loop, loop.StopAsync(abandon: false, CancellationToken.None)));
            }
        }

        if (!listed.Contains(SubscriptionDocument.DefaultId) && !_loops.ContainsKey(SubscriptionDocument.DefaultId))
        {
            Serve(settingsFactory.FromConfiguration());
        }
    }

    private void Serve(SubscriptionSettings settings)
    {
        if (_loops.TryGetValue(settings.Id, out var loop))
        {
            loop.Apply(settings);
        }
        else if (!settings.Discard)
        {
            loop = loopFactory.Create(settings);
            _loops[settings.Id] = loop;
            loop.Start();
        }
    }

    /// <summary>
    /// Forgets loops that ended by themselves (drained and removed, or discarded; their version stays known, so they are
    /// not started again) or failed (their version is forgotten, so the next refresh starts them again).
    /// </summary>
    private async Task ReapEndedAsync()
    {
        foreach (var (id, loop) in _loops.Where(l => l.Value.Completion.IsCompleted).ToArray())
        {
            _loops.Remove(id);
            if (loop.Completion.Exception is { } failure)
            {
                ConsumerLog.LoopFailed(logger, id, failure.GetBaseException());
                _versions.Remove(id);
            }

            await loop.DisposeAsync();
        }

        foreach (var retired in _retiring.Where(r => r.Stopped.IsCompleted).ToArray())
        {
            _retiring.Remove(retired);
            await retired.Loop.DisposeAsync();
        }
    }
}
