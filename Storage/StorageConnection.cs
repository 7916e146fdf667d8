using Azure.Core;
using Azure.Data.Tables;
using Azure.Storage.Blobs;
using Azure.Storage.Queues;

namespace Jetstream.Storage;

/// <summary>
/// The Azure Storage connection string (<c>ConnectionStrings:AzureStorage</c>, default the local emulator) and the one
/// way every part of the service (queues, blobs, tables, Orleans' clustering, grain state and reminders) makes its
/// clients from it, with one retry policy (<see cref="ApplyRetryPolicy"/>).
/// </summary>
public sealed record StorageConnection(string ConnectionString)
{
    public const string Name = "AzureStorage";

    public const string DevelopmentStorage = "UseDevelopmentStorage=true";

    /// <summary>One retry of a failed request after 200 ms (plus the SDK's jitter), and 30 s for one network call.</summary>
    public const int MaxRetries = 1;

    public QueueClient Queue(string name) =>
        new(ConnectionString, name, ApplyRetryPolicy(new QueueClientOptions { MessageEncoding = QueueMessageEncoding.None }));

    public BlobContainerClient Container(string name) => new(ConnectionString, name, ApplyRetryPolicy(new BlobClientOptions()));

    public TableClient Table(string name) => new(ConnectionString, name, ApplyRetryPolicy(new TableClientOptions()));

    /// <summary>For Orleans' Azure providers, which take the service client and name their tables themselves.</summary>
    public TableServiceClient TableService() => new(ConnectionString, ApplyRetryPolicy(new TableClientOptions()));

    /// <summary>
    /// Few, quick SDK retries: every caller retries on its own schedule (the processor's checkpoint and writes, the
    /// consumer's receive loop, Orleans' membership) and must learn of an outage fast, for status and backpressure.
    /// </summary>
    public static T ApplyRetryPolicy<T>(T options) where T : ClientOptions
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Retry.Mode = RetryMode.Exponential;
        options.Retry.MaxRetries = MaxRetries;
        options.Retry.Delay = TimeSpan.FromMilliseconds(200);
        options.Retry.MaxDelay = TimeSpan.FromSeconds(2);
        options.Retry.NetworkTimeout = TimeSpan.FromSeconds(30);
        return options;
    }
}
