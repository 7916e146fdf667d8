using Azure.Storage.Blobs;
using Azure.Storage.Queues;
using Microsoft.Extensions.Options;

namespace Jetstream.EventQueue;

/// <summary>The Azure Storage clients of the event queue: main queue, dead-letter queue and large-event container.</summary>
public sealed class EventQueueClients
{
    private readonly SemaphoreSlim _createLock = new(1, 1);
    private volatile bool _created;

    public EventQueueClients(StorageConnection connection, IOptions<QueueOptions> options)
    {
        Options = options.Value;
        // Few, quick SDK retries: callers retry themselves and must learn of an outage fast (status, backpressure).
        var queueOptions = new QueueClientOptions { MessageEncoding = QueueMessageEncoding.None };
        queueOptions.Retry.MaxRetries = 1;
        queueOptions.Retry.Delay = TimeSpan.FromMilliseconds(200);
        queueOptions.Retry.NetworkTimeout = TimeSpan.FromSeconds(30);
        var blobOptions = new BlobClientOptions();
        blobOptions.Retry.MaxRetries = 1;
        blobOptions.Retry.Delay = TimeSpan.FromMilliseconds(200);
        Queue = new QueueClient(connection.ConnectionString, Options.Name, queueOptions);
        PoisonQueue = new QueueClient(connection.ConnectionString, Options.PoisonQueueName, queueOptions);
        LargeEvents = new BlobContainerClient(connection.ConnectionString, Options.LargeEventContainer, blobOptions);
    }

    public QueueOptions Options { get; }

    public QueueClient Queue { get; }

    public QueueClient PoisonQueue { get; }

    public BlobContainerClient LargeEvents { get; }

    /// <summary>Creates the queues and the container if missing; after the first success it returns at once.</summary>
    public async Task EnsureCreatedAsync(CancellationToken cancellationToken = default)
    {
        if (_created)
        {
            return;
        }

        await _createLock.WaitAsync(cancellationToken);
        try
        {
            if (!_created)
            {
                await Queue.CreateIfNotExistsAsync(cancellationToken: cancellationToken);
                await PoisonQueue.CreateIfNotExistsAsync(cancellationToken: cancellationToken);
                await LargeEvents.CreateIfNotExistsAsync(cancellationToken: cancellationToken);
                _created = true;
            }
        }
        finally
        {
            _createLock.Release();
        }
    }
}
