using Jetstream.Api.Stats;
using Jetstream.Storage;
using Jetstream.Storage.Subscriptions;
using Jetstream.Grains.Interfaces;
using Jetstream.Grains.Interfaces.Backfill;

namespace Jetstream.Api.Subscriptions;

/// <summary>
/// What the subscription routes do: the store is the record (written first, under its ETag), the processor grain is
/// told afterwards to read it again, so a grain never holds settings the store does not.
/// </summary>
public sealed class SubscriptionService(
    SubscriptionStore store,
    EventQueueClientsFactory queues,
    WebhookSecrets secrets,
    StatsReader stats,
    QueueMetrics queueMetrics,
    WebhookCircuitReader circuits,
    IGrainFactory grains,
    TimeProvider time,
    ILogger<SubscriptionService> logger)
{
    public Task<StoredSubscription?> FindAsync(string id, CancellationToken cancellationToken) =>
        SubscriptionId.IsValid(id) ? store.GetAsync(id, cancellationToken) : Task.FromResult<StoredSubscription?>(null);

    public async Task<IReadOnlyList<SubscriptionResponse>> ListAsync(CancellationToken cancellationToken)
    {
        // Every subscription's circuit from one table query, not one per subscription.
        var circuitsTask = circuits.ReadAllAsync(cancellationToken);
        var all = await store.ListAsync(cancellationToken);
        var circuitOf = await circuitsTask;
        return await Task.WhenAll(all.Select(s => DescribeAsync(s.Document, cancellationToken, circuitOf(s.Document.Id))));
    }

    /// <summary>Stores a new subscription and starts its processor; null when the id is taken.</summary>
    public async Task<SubscriptionDocument?> CreateAsync(SubscriptionRequest request, CancellationToken cancellationToken)
    {
        // Stored awaiting its backfill: anything that activates the processor before the job's hold (a consumer's
        // wake-on-write registration, a status read) finds every commit held already.
        var document = ToDocument(request, request.Id!, existing: null) with { AwaitingBackfill = request.Backfill is true };
        if (!await store.TryCreateAsync(document, cancellationToken))
        {
            return null;
        }

        ApiLog.SubscriptionChanged(logger, document.Id, "created");
        if (request.Backfill is true)
        {
            // Before the processor runs: the job holds every live commit while it discovers. A commit queued before
            // the hold, at a rev the snapshot covers, is one no later commit can undo (a delete the snapshot holds is
            // dropped), so a receiver would keep a record the network no longer has.
            await StartFirstBackfillAsync(document.Id, cancellationToken);
        }

        if (document.Enabled)
        {
            await stats.ProcessorOf(document.Id).EnsureRunning();
        }

        return document;
    }

    /// <summary>Replaces a subscription's settings and has its processor apply them; null when it does not exist.</summary>
    public async Task<StoredSubscription?> ReplaceAsync(string id, SubscriptionRequest request, CancellationToken cancellationToken)
    {
        var updated = await store.UpdateAsync(id, current =>
            current.Lifecycle == SubscriptionLifecycle.Active ? ToDocument(request, id, current) : null, cancellationToken);
        await ApplyIfActiveAsync(updated, "replaced");
        return updated;
    }

    public async Task<StoredSubscription?> SetEnabledAsync(string id, bool enabled, CancellationToken cancellationToken)
    {
        var updated = await store.UpdateAsync(id, current =>
            current.Lifecycle == SubscriptionLifecycle.Active && current.Enabled != enabled
                ? current with { Enabled = enabled, UpdatedAt = time.GetUtcNow() }
                : null, cancellationToken);
        await ApplyIfActiveAsync(updated, enabled ? "resumed" : "paused");
        return updated;
    }

    /// <summary>
    /// Stops reading, removes the processor's state and the backfill's rows. With <paramref name="discard"/>, the queues go at once (what
    /// they hold is dropped, on purpose); otherwise the consumer delivers what is queued, then removes them.
    /// </summary>
    public async Task<DeleteResponse?> DeleteAsync(string id, bool discard, CancellationToken cancellationToken)
    {
        var marked = await store.UpdateAsync(id, current => current with
        {
            Lifecycle = SubscriptionLifecycle.Deleting,
            DiscardOnDelete = discard || current.DiscardOnDelete,
            UpdatedAt = time.GetUtcNow(),
        }, cancellationToken);
        if (marked is null)
        {
            return null;
        }

        await stats.ProcessorOf(id).Delete();

        // Its backfill stops, and its run rows and repair index go in the background (they can be millions of rows).
        await grains.GetGrain<IBackfillCleanupGrain>(id).Start(marked.Document.Generation);
        var queued = (await queueMetrics.ReadMainQueueAsync(id, cancellationToken)).ApproximateCount;
        var dead = (await queueMetrics.ReadDeadLettersAsync(id, cancellationToken)).ApproximateCount;
        if (!discard)
        {
            ApiLog.SubscriptionChanged(logger, id, "deleting");
            return new DeleteResponse(id, "deleting", queued, dead,
                $"Reading has stopped. The consumer delivers the {queued?.ToString() ?? "unknown number of"} queued messages, then removes the queues " +
                $"(and the {dead?.ToString() ?? "unknown number of"} dead letters) and the subscription.");
        }

        await queues.For(id).DeleteAllAsync(cancellationToken);
        await store.DeleteAsync(id, cancellationToken);
        ApiLog.SubscriptionDiscarded(logger, id, queued, dead);
        return new DeleteResponse(id, "deleted", queued, dead,
            $"Deleted. {queued?.ToString() ?? "An unknown number of"} queued messages and {dead?.ToString() ?? "an unknown number of"} dead letters were dropped (discard=true).");
    }

    /// <param name="circuit">The webhook circuit's state when the caller read it already; null reads it.</param>
    public async Task<SubscriptionResponse> DescribeAsync(SubscriptionDocument document, CancellationToken cancellationToken, WebhookCircuitResponse? circuit = null)
    {
        SubscriptionStatusSummary? status = null;
        if (document.Lifecycle == SubscriptionLifecycle.Active)
        {
            var processor = stats.ProcessorOf(document.Id);
            var connectionTask = processor.GetStatus();
            var statsTask = stats.ReadAsync(document.Id, cancellationToken, circuit);
            var (connection, read) = (await connectionTask, await statsTask);
            status = new SubscriptionStatusSummary
            {
                State = CamelCase(connection.State.ToString()),
                Connected = connection.Connected,
                Cursor = connection.Cursor,
                LagSeconds = read.LagSeconds,
                QueueDepth = read.QueueDepth,
                DeadLetters = read.DeadLetterCount,
                EventsPerSecond = read.EventsPerSecond,
                ReceivedPerSecond = read.ReceivedPerSecond,
                WebhookCircuit = read.WebhookCircuit,
            };
        }

        return new SubscriptionResponse
        {
            Id = document.Id,
            WantedCollections = document.WantedCollections,
            WantedDids = document.WantedDids,
            BackfillCollections = document.BackfillCollections,
            Endpoints = document.Endpoints,
            ForwardKinds = document.ForwardKinds,
            Webhook = document.Webhook is { } w ? new WebhookResponse(w.Url, w.SecretCount, w.ProtectedBearerToken is not null, w.TimeoutSeconds)
            {
                BatchMaxEvents = w.BatchMaxEvents,
                BatchMaxBytes = w.BatchMaxBytes,
                BatchMaxWaitMs = w.BatchMaxWaitMs,
                MaxRequestsPerSecond = w.MaxRequestsPerSecond,
            } : null,
            Enabled = document.Enabled,
            Lifecycle = CamelCase(document.Lifecycle.ToString()),
            Source = document.Source,
            CreatedAt = document.CreatedAt,
            UpdatedAt = document.UpdatedAt,
            Status = status,
        };
    }

    /// <summary>
    /// The job clears <see cref="SubscriptionDocument.AwaitingBackfill"/> once it holds; if it refused or failed, the
    /// mark goes here, or the processor would hold every commit with no run to hand them over. Started only while the
    /// mark is there: a processor that found it left too long (an Api that died here) may have started it already.
    /// </summary>
    private async Task StartFirstBackfillAsync(string id, CancellationToken cancellationToken)
    {
        try
        {
            if ((await grains.GetGrain<IBackfillJobGrain>(id).StartAwaited()).Refusal is null)
            {
                return;
            }
        }
        catch
        {
            await store.ClearAwaitingBackfillAsync(id, cancellationToken);
            throw;
        }

        await store.ClearAwaitingBackfillAsync(id, cancellationToken);
    }

    private async Task ApplyIfActiveAsync(StoredSubscription? updated, string change)
    {
        if (updated?.Document is { Lifecycle: SubscriptionLifecycle.Active } document)
        {
            ApiLog.SubscriptionChanged(logger, document.Id, change);
            await stats.ProcessorOf(document.Id).ApplySettings();
        }
    }

    private SubscriptionDocument ToDocument(SubscriptionRequest request, string id, SubscriptionDocument? existing)
    {
        var now = time.GetUtcNow();
        return new SubscriptionDocument
        {
            Id = id,
            WantedCollections = request.WantedCollections ?? [],
            WantedDids = (request.WantedDids ?? []).Distinct(StringComparer.Ordinal).ToArray(),
            BackfillCollections = request.BackfillCollections?.Distinct(StringComparer.Ordinal).ToArray(),
            Endpoints = request.Endpoints ?? [],
            ForwardKinds = request.ForwardKinds ?? [SubscriptionKinds.Commit],
            Webhook = request.Webhook is { } webhook ? ToWebhook(webhook, existing?.Webhook) : null,
            Enabled = request.Enabled ?? existing?.Enabled ?? true,
            Source = SubscriptionSources.Api,
            AwaitingBackfill = existing?.AwaitingBackfill ?? false,
            Generation = existing?.Generation,
            CreatedAt = existing?.CreatedAt ?? now,
            UpdatedAt = now,
        };
    }

    /// <summary>Secrets and token left out of a PUT keep their stored (protected) values: they are never sent back to be resent.</summary>
    private WebhookDocument ToWebhook(WebhookRequest webhook, WebhookDocument? existing) => new()
    {
        Url = webhook.Url!,
        ProtectedSecrets = webhook.Secrets is { } given ? secrets.ProtectSecrets(given) : existing?.ProtectedSecrets,
        SecretCount = webhook.Secrets?.Length ?? existing?.SecretCount ?? 0,
        ProtectedBearerToken = webhook.BearerToken is { } token ? secrets.ProtectToken(token) : existing?.ProtectedBearerToken,
        TimeoutSeconds = webhook.TimeoutSeconds,
        BatchMaxEvents = webhook.BatchMaxEvents,
        BatchMaxBytes = webhook.BatchMaxBytes,
        BatchMaxWaitMs = webhook.BatchMaxWaitMs,
        MaxRequestsPerSecond = webhook.MaxRequestsPerSecond,
    };

    private static string CamelCase(string name) => char.ToLowerInvariant(name[0]) + name[1..];
}
