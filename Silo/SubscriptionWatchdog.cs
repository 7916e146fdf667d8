using Jetstream.Storage.Subscriptions;
using Jetstream.Grains.Interfaces;
using Jetstream.Grains.Options;
using Microsoft.Extensions.Options;

namespace Jetstream.Silo;

/// <summary>
/// Brings back the subscriptions of a silo that died: as soon as membership declares a silo dead, every enabled
/// subscription is activated again (a no-op for those still running; the others start on a live silo). Without it they
/// would wait for their keep-alive reminder, whose period is at least a minute. A sweep every
/// <c>Jetstream:ActivationSweepSeconds</c> covers anything the membership stream did not show; it lists versions only
/// and re-reads a document when it changed, so an idle cluster costs one listing per sweep.
/// </summary>
internal sealed partial class SubscriptionWatchdog(
    IClusterMembershipService membership,
    IGrainFactory grains,
    SubscriptionStore store,
    IOptions<JetstreamOptions> options,
    ILogger<SubscriptionWatchdog> logger) : BackgroundService
{
    private readonly Dictionary<string, (Azure.ETag Version, bool Runs)> _known = new(StringComparer.Ordinal);
    private readonly SemaphoreSlim _activating = new(1, 1);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (!options.Value.AutoStart)
        {
            return;
        }

        var sweep = SweepAsync(stoppingToken);
        var dead = new HashSet<SiloAddress>();
        try
        {
            await foreach (var snapshot in membership.MembershipUpdates.WithCancellation(stoppingToken))
            {
                var newlyDead = snapshot.Members.Values
                    .Where(m => m.Status == SiloStatus.Dead && dead.Add(m.SiloAddress))
                    .Select(m => m.SiloAddress)
                    .ToArray();
                if (newlyDead.Length > 0 && snapshot.Members.Values.Any(m => m.Status == SiloStatus.Active))
                {
                    SiloDied(logger, string.Join(", ", newlyDead.Select(s => s.ToString())));
                    await ActivateAllAsync(stoppingToken);
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }

        await sweep.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
    }

    private async Task SweepAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(TimeSpan.FromSeconds(options.Value.ActivationSweepSeconds));
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken))
            {
                await ActivateAllAsync(stoppingToken);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    private async Task ActivateAllAsync(CancellationToken cancellationToken)
    {
        await _activating.WaitAsync(cancellationToken);
        try
        {
            var versions = await store.ListVersionsAsync(cancellationToken);
            foreach (var gone in _known.Keys.Except(versions.Select(v => v.Id)).ToArray())
            {
                _known.Remove(gone);
            }

            foreach (var (id, version) in versions)
            {
                if (!_known.TryGetValue(id, out var known) || known.Version != version)
                {
                    var document = (await store.GetAsync(id, cancellationToken))?.Document;
                    _known[id] = (version, document is { Enabled: true, Lifecycle: SubscriptionLifecycle.Active });
                }
            }

            var running = _known.Where(k => k.Value.Runs).Select(k => k.Key).ToArray();
            await Parallel.ForEachAsync(running, cancellationToken, async (id, _) => await grains.GetGrain<IJetstreamProcessorGrain>(id).EnsureRunning());
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            SweepFailed(logger, ex);
        }
        finally
        {
            _activating.Release();
        }
    }

    [LoggerMessage(1, LogLevel.Warning, "Silo {Silos} declared dead: activating every enabled subscription again")]
    private static partial void SiloDied(ILogger logger, string silos);

    [LoggerMessage(2, LogLevel.Warning, "Could not check the subscriptions are running; the next sweep tries again")]
    private static partial void SweepFailed(ILogger logger, Exception exception);
}
