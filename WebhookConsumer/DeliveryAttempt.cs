using System.Diagnostics;
using Azure;
using Jetstream.EventQueue;

namespace Jetstream.WebhookConsumer;

/// <summary>
/// One delivery attempt of one event: its body (from the message, or from its blob for a large event), the signed
/// request, and the trace span around both. Every way it can end is a <see cref="DeliveryResult"/>, never an exception,
/// so a failure follows the retry schedule instead of failing the batch.
/// </summary>
internal sealed class DeliveryAttempt(EventQueueClients clients)
{
    public async Task<DeliveryResult> RunAsync(WebhookSender sender, QueuedEvent queuedEvent, CancellationToken cancellationToken)
    {
        // Null unless a listener (OpenTelemetry) samples it; HttpClient then sends the trace on in `traceparent`.
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

    private async Task<DeliveryResult> SendAsync(WebhookSender sender, QueuedEvent queuedEvent, CancellationToken cancellationToken)
    {
        try
        {
            var body = queuedEvent.EventJson;
            if (queuedEvent.BlobName is { } blobName)
            {
                try
                {
                    var download = await clients.LargeEvents.GetBlobClient(blobName).DownloadContentAsync(cancellationToken);
                    body = download.Value.Content.ToMemory();
                }
                catch (RequestFailedException ex) when (ex.Status == 404)
                {
                    return DeliveryResult.Failure(null, $"Event body blob '{blobName}' not found in '{clients.Options.LargeEventContainer}' " +
                        "(an earlier copy of this event, same webhook-id, may have been delivered and removed it).", permanent: true);
                }
                catch (RequestFailedException ex)
                {
                    return DeliveryResult.Failure(null, $"Could not read event body blob '{blobName}': {ex.Status} {ex.ErrorCode}");
                }
            }

            return await sender.SendAsync(queuedEvent.EventId, body, cancellationToken);
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            // Anything unforeseen counts as a failed attempt, so it follows the schedule instead of looping.
            return DeliveryResult.Failure(null, $"{ex.GetType().Name}: {ex.Message}");
        }
    }
}
