using Azure;
using Jetstream.EventQueue;

namespace Jetstream.Api.Stats;

/// <summary>Reads queue depths for the stats and the readiness check, bounded in time so a storage outage cannot hang a page.</summary>
public sealed class QueueMetrics(EventQueueClients clients, DeadLetterQueue deadLetters, ILogger<QueueMetrics> logger)
{
    private static readonly TimeSpan ReadTimeout = TimeSpan.FromSeconds(2);

    public Task<QueueReading> ReadMainQueueAsync(CancellationToken cancellationToken) =>
        ReadAsync(clients.Queue.Name, async token => (await clients.Queue.GetPropertiesAsync(token)).Value.ApproximateMessagesCountLong, cancellationToken);

    public Task<QueueReading> ReadDeadLettersAsync(CancellationToken cancellationToken) =>
        ReadAsync(clients.PoisonQueue.Name, async token => await deadLetters.CountAsync(token), cancellationToken);

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
