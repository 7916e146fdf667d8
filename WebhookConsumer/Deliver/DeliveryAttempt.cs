using System.Diagnostics;
using Azure;
using Jetstream.Storage;
using Jetstream.WebhookConsumer.Hosting;
using Jetstream.WebhookConsumer.Receive;

namespace Jetstream.WebhookConsumer.Deliver;

/// <summary>
/// One delivery attempt of one request: its events' bodies (from the message, or from a blob for a large event), the
/// signed request, and the trace span around both. Every way it can end is a <see cref="DeliveryResult"/>, never an
/// exception, so a failure follows the retry schedule instead of failing the batch.
/// </summary>
internal sealed class DeliveryAttempt(EventQueueClients clients)
{
    /// <summary>
    /// One attempt of <paramref name="request"/>. A batch's event whose body cannot be read fails alone: it is returned
    /// as the culprit, unsent. A single event's unreadable body is its attempt's failure.
    /// </summary>
    public async Task<(DeliveryResult Result, InFlightEvent? Culprit)> RunAsync(WebhookSender sender, WebhookBatch request, CancellationToken cancellationToken) =>
        request.Single ? (await RunAsync(sender, request.Events[0].Queued, cancellationToken), null) : await RunBatchAsync(sender, request, cancellationToken);

    private async Task<DeliveryResult> RunAsync(WebhookSender sender, QueuedEvent queuedEvent, CancellationToken cancellationToken)
    {
        // Null unless a listener (OpenTelemetry, when traces are exported) samples it; HttpClient then sends the trace on
        // in `traceparent`, and without it the sender sends the queued one on.
        using var activity = WebhookConsumerMetrics.ActivitySource.StartActivity("webhook.deliver", ActivityKind.Client, queuedEvent.TraceParent);
        activity?.SetTag("webhook.event_id", queuedEvent.EventId);
        activity?.SetTag("webhook.subscription", clients.SubscriptionId);
        activity?.SetTag("webhook.attempt", queuedEvent.Attempts + 1);
        var result = await SendAsync(sender, queuedEvent, cancellationToken);
        if (!result.Delivered && result.Sent)
        {
            activity?.SetStatus(ActivityStatusCode.Error, result.Error);
        }

        return result;
    }

    /// <summary>Every event's body (a large event's from its blob), then one signed request of <c>{"events":[…]}</c>.</summary>
    private async Task<(DeliveryResult Result, InFlightEvent? Culprit)> RunBatchAsync(WebhookSender sender, WebhookBatch batch, CancellationToken cancellationToken)
    {
        using var activity = WebhookConsumerMetrics.ActivitySource.StartActivity("webhook.deliver_batch", ActivityKind.Client);
        activity?.SetTag("webhook.batch_id", batch.Id);
        activity?.SetTag("webhook.batch_events", batch.Events.Count);
        activity?.SetTag("webhook.subscription", clients.SubscriptionId);
        try
        {
            var bodies = new ReadOnlyMemory<byte>[batch.Events.Count];
            for (var i = 0; i < bodies.Length; i++)
            {
                var (body, failure) = await ReadBodyAsync(batch.Events[i].Queued, cancellationToken);
                if (failure is { } unreadable)
                {
                    activity?.SetStatus(ActivityStatusCode.Error, unreadable.Error);
                    return (unreadable, batch.Events[i]);
                }

                bodies[i] = body;
            }

            var result = await sender.SendAsync(batch.Id, WebhookBatch.Body(bodies), traceParent: null, cancellationToken);
            if (!result.Delivered)
            {
                activity?.SetStatus(ActivityStatusCode.Error, result.Error);
            }

            return (result, null);
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            return (DeliveryResult.Failure(null, $"{ex.GetType().Name}: {ex.Message}"), null);
        }
    }

    private async Task<DeliveryResult> SendAsync(WebhookSender sender, QueuedEvent queuedEvent, CancellationToken cancellationToken)
    {
        try
        {
            var (body, failure) = await ReadBodyAsync(queuedEvent, cancellationToken);
            return failure ?? await sender.SendAsync(queuedEvent.EventId, body, queuedEvent.TraceParent, cancellationToken);
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            // Anything unforeseen counts as a failed attempt, so it follows the schedule instead of looping.
            return DeliveryResult.Failure(null, $"{ex.GetType().Name}: {ex.Message}");
        }
    }

    /// <summary>The event's bytes as Jetstream sent them: from the message, or from its blob for a large event.</summary>
    private async Task<(ReadOnlyMemory<byte> Body, DeliveryResult? Failure)> ReadBodyAsync(QueuedEvent queuedEvent, CancellationToken cancellationToken)
    {
        if (queuedEvent.BlobName is not { } blobName)
        {
            return (queuedEvent.EventJson, null);
        }

        try
        {
            var download = await clients.LargeEvents.GetBlobClient(blobName).DownloadContentAsync(cancellationToken);
            return (download.Value.Content.ToMemory(), null);
        }
        catch (RequestFailedException ex) when (ex.Status == 404)
        {
            return (default, DeliveryResult.Failure(null, $"Event body blob '{blobName}' not found in '{clients.Options.LargeEventContainer}' " +
                "(an earlier copy of this event, same webhook-id, may have been delivered and removed it).", permanent: true));
        }
        catch (RequestFailedException ex)
        {
            return (default, DeliveryResult.Failure(null, $"Could not read event body blob '{blobName}': {ex.Status} {ex.ErrorCode}"));
        }
    }
}
