using Azure;
using Jetstream.Storage;
using Jetstream.Storage.Subscriptions;

namespace Jetstream.Api.Stats;

/// <summary>Reads a subscription's queue depths for the stats and the readiness check, bounded in time so a storage outage cannot hang a page.</summary>
public sealed class QueueMetrics(EventQueueClientsFactory queues, ILogger<QueueMetrics> logger)
{
    private static readonly TimeSpan ReadTimeout = TimeSpan.FromSeconds(2);

    public Task<QueueReading> ReadMainQueueAsync(CancellationToken cancellationToken) => ReadMainQueueAsync(SubscriptionDocument.DefaultId, cancellationToken);

    public Task<QueueReading> ReadDeadLettersAsync(CancellationToken cancellationToken) => ReadDeadLettersAsync(SubscriptionDocument.DefaultId, cancellationToken);

    public Task<QueueReading> ReadMainQueueAsync(string subscriptionId, CancellationToken cancellationToken)
    {
        var clients = queues.For(subscriptionId);
        return ReadAsync(clients.QueueName, async token => (await clients.Queue.GetPropertiesAsync(token)).Value.ApproximateMessagesCountLong, cancellationToken);
    }

    public Task<QueueReading> ReadDeadLettersAsync(string subscriptionId, CancellationToken cancellationToken)
    {
        var clients = queues.For(subscriptionId);
        return ReadAsync(clients.PoisonQueueName, async token => (await clients.PoisonQueue.GetPropertiesAsync(token)).Value.ApproximateMessagesCountLong, cancellationToken);
    }

    private async Task<QueueReading> ReadAsync(string queueName, Func<CancellationToken, Task<long>> count, CancellationToken cancellationToken)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(ReadTimeout);
        try
        {
            return new QueueReading(await count(timeout.Token), Exists: true, Error: null);
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
            ApiLog.QueuePropertiesUnavailable(logger, queueName, reason);
            return new QueueReading(null, Exists: false, Error: reason);
        }
    }
}
