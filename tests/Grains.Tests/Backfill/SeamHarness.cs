using Jetstream.Grains.Backfill;
using Jetstream.Grains.Processing;
using Jetstream.Storage;
using Jetstream.TestSupport;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;

namespace Jetstream.Grains.Tests.Backfill;

/// <summary>
/// <see cref="LiveSeam"/>s over Azurite's table and queue, each call on one exclusive scheduler as on the processor
/// grain's. The seam's table goes through a proxy of the test's own (<see cref="Proxy"/>): its port tells this test's
/// requests from those of tests running alongside (<see cref="TableRequests"/>), and cutting it stops the seam's table
/// and nothing else. <see cref="Table"/> reads the same table directly. A seam is an activation: <see cref="Kill"/>
/// stops one as a silo's death does, and a new one loads what the table holds.
/// </summary>
internal sealed class SeamHarness : IAsyncDisposable
{
    public const string Subscription = "sub";

    private readonly TaskScheduler _grain = new ConcurrentExclusiveSchedulerPair().ExclusiveScheduler;
    private readonly ServiceProvider _services = new ServiceCollection().AddMetrics().BuildServiceProvider();
    private readonly Dictionary<LiveSeam, CancellationTokenSource> _stopping = [];
    private HeldEventTable _proxied = null!;
    private HeldEventTable _direct = null!;
    private EventQueueClients _queue = null!;
    private string _storage = null!;
    private CountingWriter _writer = null!;

    public StorageProxy Proxy { get; private set; } = null!;

    /// <summary>The seam's table, read directly.</summary>
    public Azure.Data.Tables.TableClient Table { get; private set; } = null!;

    /// <summary>Messages the seams wrote to the queue.</summary>
    public int MessagesWritten => _writer.Messages;

    public static async Task<SeamHarness> StartAsync(string name)
    {
        var harness = new SeamHarness();
        await harness.InitializeAsync(name);
        return harness;
    }

    /// <summary>
    /// An activation; <paramref name="direct"/>: its table not through the proxy; <paramref name="keep"/>: how long a
    /// hand-over's set row is kept (<see cref="KeptSetRows"/>; 10 minutes in production, half a second unless told).
    /// </summary>
    public LiveSeam NewSeam(bool direct = false, TimeSpan? keep = null)
    {
        var stopping = new CancellationTokenSource();
        var seam = new LiveSeam(direct ? _direct : _proxied, _writer, null, TimeProvider.System, TimeSpan.FromMilliseconds(200),
            NullLogger.Instance, Subscription, stopping.Token, keep ?? TimeSpan.FromMilliseconds(500));
        _stopping[seam] = stopping;
        return seam;
    }

    /// <summary>The activation ends as with its silo: its storage steps stop, its memory is gone.</summary>
    public Task Kill(LiveSeam seam) => _stopping[seam].CancelAsync();

    public Task OnGrain(Func<Task> action) =>
        Task.Factory.StartNew(action, CancellationToken.None, TaskCreationOptions.DenyChildAttach, _grain).Unwrap();

    public Task<T> OnGrain<T>(Func<Task<T>> action) =>
        Task.Factory.StartNew(action, CancellationToken.None, TaskCreationOptions.DenyChildAttach, _grain).Unwrap();

    public Task<T> OnGrain<T>(Func<T> action) =>
        Task.Factory.StartNew(action, CancellationToken.None, TaskCreationOptions.DenyChildAttach, _grain);

    /// <summary>As the sink holds a commit: the write started and the seam told, in one step (call it on the grain).</summary>
    public static Task HoldAsync(LiveSeam seam, string did, string rev)
    {
        var write = seam.WriteAsync(new PendingEvent(Event(did, rev), "app.test.item", default), rev, CancellationToken.None);
        seam.Started(did, write);
        return write;
    }

    public Task<List<QueuedEvent>> DrainAsync(int expected) =>
        QueueReader.DrainAsync(QueueReader.Client(_storage, _queue.QueueName), expected, TimeSpan.FromSeconds(30));

    /// <summary>The RowKeys of one partition of the seam's table.</summary>
    public async Task<List<string>> RowsAsync(string partition) =>
        await Table.QueryAsync<Azure.Data.Tables.TableEntity>(e => e.PartitionKey == partition, select: ["RowKey"]).Select(e => e.RowKey).ToListAsync();

    public Task<List<string>> SetAsync() => RowsAsync("set~" + Subscription);

    public Task<List<string>> HeldRowsAsync(string did) => RowsAsync("ev~" + Subscription + "~" + did);

    public Task TableEmptiesAsync() => Eventually.HoldsAsync(
        async () => !await Table.QueryAsync<Azure.Data.Tables.TableEntity>(select: ["PartitionKey"]).AnyAsync(),
        TimeSpan.FromSeconds(30), "the seam's table to empty");

    public static string Id(string did, string rev) => EventIds.ForCommit(did, "app.test.item", "k" + rev, rev, "create");

    public static QueuedEvent Event(string did, string rev) => new()
    {
        EventId = Id(did, rev),
        QueuedAt = DateTimeOffset.UnixEpoch,
        Did = did,
        TimeUs = 1,
        EventJson = "{}"u8.ToArray(),
    };

    public async ValueTask DisposeAsync()
    {
        foreach (var stopping in _stopping.Values)
        {
            await stopping.CancelAsync();
            stopping.Dispose();
        }

        await _services.DisposeAsync();
        await Proxy.DisposeAsync();
    }

    private async Task InitializeAsync(string name)
    {
        _storage = await SharedAzurite.GetConnectionStringAsync();
        var tableName = TestNames.Table(name);
        Proxy = StorageProxy.Start(_storage);
        var options = Microsoft.Extensions.Options.Options.Create(new BackfillOptions { HeldTable = tableName });
        var metrics = new BackfillMetrics(_services.GetRequiredService<System.Diagnostics.Metrics.IMeterFactory>());
        _proxied = new HeldEventTable(new StorageConnection(Proxy.ConnectionString), options, metrics);
        _direct = new HeldEventTable(new StorageConnection(_storage), options, metrics);
        Table = new StorageConnection(_storage).Table(tableName);
        await Table.CreateIfNotExistsAsync();
        var queueOptions = new QueueOptions { Name = TestNames.Queue(name), LargeEventContainer = TestNames.Queue(name + "-large") };
        _queue = new EventQueueClients(new StorageConnection(_storage), queueOptions, new Jetstream.Storage.Subscriptions.SubscriptionOptions(),
            Jetstream.Storage.Subscriptions.SubscriptionDocument.DefaultId);
        await _queue.EnsureCreatedAsync();
        _writer = new CountingWriter(new StorageEventQueueWriter(_queue));
    }

    /// <summary>Counts the messages written (straight to Azurite: the proxy is the table's).</summary>
    private sealed class CountingWriter(IEventQueueWriter inner) : IEventQueueWriter
    {
        private int _messages;

        public int Messages => Volatile.Read(ref _messages);

        public QueueOptions Options => inner.Options;

        public string BlobNameFor(string eventId) => inner.BlobNameFor(eventId);

        public Task WriteBlobAsync(string blobName, ReadOnlyMemory<byte> body, CancellationToken cancellationToken) =>
            inner.WriteBlobAsync(blobName, body, cancellationToken);

        public async Task WriteAsync(IReadOnlyList<PendingEvent> events, BinaryData body, CancellationToken cancellationToken)
        {
            await inner.WriteAsync(events, body, cancellationToken);
            Interlocked.Increment(ref _messages);
        }
    }
}
