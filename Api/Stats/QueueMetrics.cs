using Azure;
using Azure.Storage.Queues;
using Jetstream.EventQueue;

namespace Jetstream.Api.Stats;

/// <summary>Reads queue depths for the stats and the readiness check, bounded in time so a storage outage cannot hang a page.</summary>
public sealed class QueueMetrics(EventQueueClients clients, ILogger<QueueMetrics> logger)
{
    private static readonly TimeSpan ReadTimeout = TimeSpan.FromSeconds(2);

    public Task<QueueReading> ReadMainQueueAsync(CancellationToken cancellationToken) => ReadAsync(clients.Queue, cancellationToken);

    public Task<QueueReading> ReadPoisonQueueAsync(CancellationToken cancellationToken) => ReadAsync(clients.PoisonQueue, cancellationToken);

    private async Task<QueueReading> ReadAsync(QueueClient queue, CancellationToken cancellationToken)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(ReadTimeout);
        try
        {
            var properties = await queue.GetPropertiesAsync(timeout.Token);
            return new QueueReading(properties.Value.ApproximateMessagesCountLong, Exists: true, Error: null);
        }
        catch (RequestFailedException ex) when (ex.Status == 404)
        {
            // Created by the processor on its first write: until then nothing is waiting.
            return new QueueReading(0, Exists: false, Error: null);
        }
        catch (Exception ex) when (ex is RequestFailedException or AggregateException
                                   || (ex is OperationCanceledException && !cancellationToken.IsCancellationRequested))
        {
            var reason = ex is OperationCanceledException ? $"no answer within {ReadTimeout.TotalSeconds} s" : ex.Message;
            ApiLog.QueuePropertiesUnavailable(logger, queue.Name, reason);
            return new QueueReading(null, Exists: false, Error: reason);
        }
    }
}
