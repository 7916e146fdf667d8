using System.Diagnostics;
using Jetstream.Grains.Backfill;
using Jetstream.Grains.Interfaces.Backfill;
using Jetstream.Grains.Processing;
using Jetstream.Storage;
using Jetstream.TestSupport;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.DependencyInjection;

namespace Jetstream.Grains.Tests.Backfill;

/// <summary>
/// The processor's hand-over (<see cref="LiveSeam"/>, <see cref="SeamHandOver"/>) on Azurite's table and queue: a
/// repository's held partition is read only when commits can be in it (held by this activation, or stored before it
/// loaded), and the repositories with nothing held leave together, their set rows removed a hundred per transaction.
/// Every seam call runs on one exclusive scheduler, as on the processor grain's.
/// </summary>
public sealed class SeamHandOverTests : IAsyncDisposable
{
    private const string Subscription = "sub";
    private readonly TaskScheduler _grain = new ConcurrentExclusiveSchedulerPair().ExclusiveScheduler;
    private readonly CancellationTokenSource _stopping = new();
    private HeldEventTable _table = null!;
    private Azure.Data.Tables.TableClient _rawTable = null!;
    private EventQueueClients _queue = null!;
    private string _storage = null!;
    private readonly ServiceProvider _services = new ServiceCollection().AddMetrics().BuildServiceProvider();
    private StorageProxy? _proxy;

    [Fact]
    public async Task Commits_an_earlier_activation_held_are_queued_after_the_snapshots_rev_by_a_new_activation_that_held_none_itself()
    {
        await StartAsync();
        const string did = "did:plc:earlier";
        foreach (var rev in new[] { "3lrev00000030", "3lrev00000005", "3lrev00000020" })
        {
            await _table.AddAsync(Subscription, did, rev, Event(did, rev), CancellationToken.None);
        }

        await _table.AddToSetAsync(Subscription, [did], CancellationToken.None);

        var seam = NewSeam();
        await OnGrain(async () =>
        {
            await seam.LoadAsync();
            Assert.True(seam.IsHeld(did));
            await seam.ReleaseAsync([new HeldRelease(did, "3lrev00000010")]);
        });

        var queued = await QueueReader.DrainAsync(QueueReader.Client(_storage, _queue.QueueName), 2, TimeSpan.FromSeconds(20));
        Assert.Equal([Id(did, "3lrev00000020"), Id(did, "3lrev00000030")], queued.Select(e => e.EventId));
        await TableEmptiesAsync();
        Assert.False(await OnGrain(() => Task.FromResult(seam.IsHeld(did))));
    }

    [Fact]
    public async Task Repositories_with_nothing_held_leave_at_once_their_set_rows_go_in_transactions_and_a_held_one_is_queued_in_order()
    {
        await StartAsync();
        string[] nothing = [.. Enumerable.Range(0, 150).Select(i => $"did:plc:nothing{i:D3}")];
        const string busy = "did:plc:busy";
        var seam = NewSeam();
        await OnGrain(async () =>
        {
            await seam.HoldAsync([.. nothing, busy]);
            await HoldAsync(seam, busy, "3lrev00000030");
            await HoldAsync(seam, busy, "3lrev00000005");
        });

        var requests = new TableRequests(_proxy!.ConnectionString);
        await OnGrain(async () =>
        {
            await seam.ReleaseAsync([.. nothing.Select(d => new HeldRelease(d, "3lrev00000010")), new HeldRelease(busy, "3lrev00000010")]);
            // The same step as the call's end: no repository with nothing held waits for a request, the held one does;
            // a commit of it held now, while its hand-over reads, is queued after the others.
            Assert.All(nothing, d => Assert.False(seam.IsHeld(d)));
            Assert.True(seam.IsHeld(busy));
            _ = HoldAsync(seam, busy, "3lrev00000040");
        });

        var queued = await QueueReader.DrainAsync(QueueReader.Client(_storage, _queue.QueueName), 2, TimeSpan.FromSeconds(20));
        Assert.Equal([Id(busy, "3lrev00000030"), Id(busy, "3lrev00000040")], queued.Select(e => e.EventId));
        await TableEmptiesAsync();
        requests.Dispose();
        // Before, each repository with nothing held cost a read of its partition and a delete of its set row; now the
        // set rows go in the transactions (two of marks, two of removals, the held repository's deletes besides).
        // A query's filter is redacted in what the SDK reports: the held repository's one or two reads are all there are.
        Assert.InRange(requests.Matching("GET "), 1, 2);
        Assert.Equal(0, requests.Matching("RowKey='did:plc:nothing"));
        Assert.InRange(requests.Matching("/$batch"), 4, 6);

        var again = NewSeam();
        await OnGrain(again.LoadAsync);
        Assert.False(await OnGrain(() => Task.FromResult(nothing.Append(busy).Any(again.IsHeld))));
    }

    public async ValueTask DisposeAsync()
    {
        await _stopping.CancelAsync();
        _stopping.Dispose();
        await _services.DisposeAsync();
        if (_proxy is not null)
        {
            await _proxy.DisposeAsync();
        }
    }

    private async Task StartAsync()
    {
        _storage = await SharedAzurite.GetConnectionStringAsync();
        var tableName = TestNames.Table("seamhandover");
        // Through a proxy of its own: its port tells this test's requests from those of tests running alongside.
        _proxy = StorageProxy.Start(_storage);
        _table = new HeldEventTable(new StorageConnection(_proxy.ConnectionString),
            Microsoft.Extensions.Options.Options.Create(new BackfillOptions { HeldTable = tableName }),
            new BackfillMetrics(_services.GetRequiredService<System.Diagnostics.Metrics.IMeterFactory>()));
        _rawTable = new StorageConnection(_storage).Table(tableName);
        var options = new QueueOptions { Name = TestNames.Queue("seamhandover"), LargeEventContainer = TestNames.Queue("seamhandover-large") };
        _queue = new EventQueueClients(new StorageConnection(_storage), options, new Jetstream.Storage.Subscriptions.SubscriptionOptions(),
            Jetstream.Storage.Subscriptions.SubscriptionDocument.DefaultId);
        await _queue.EnsureCreatedAsync();
    }

    private LiveSeam NewSeam() => new(_table, new StorageEventQueueWriter(_queue), null, TimeProvider.System, TimeSpan.FromSeconds(1),
        NullLogger.Instance, Subscription, _stopping.Token);

    /// <summary>As the sink holds a commit: the write started and the seam told, in one step.</summary>
    private static Task HoldAsync(LiveSeam seam, string did, string rev)
    {
        var write = seam.WriteAsync(new PendingEvent(Event(did, rev), "app.test.item", default), rev, CancellationToken.None);
        seam.Started(did, write);
        return write;
    }

    private Task OnGrain(Func<Task> action) =>
        Task.Factory.StartNew(action, CancellationToken.None, TaskCreationOptions.DenyChildAttach, _grain).Unwrap();

    private Task<T> OnGrain<T>(Func<Task<T>> action) =>
        Task.Factory.StartNew(action, CancellationToken.None, TaskCreationOptions.DenyChildAttach, _grain).Unwrap();

    private Task TableEmptiesAsync() => Eventually.HoldsAsync(
        async () => !await _rawTable.QueryAsync<Azure.Data.Tables.TableEntity>(select: ["PartitionKey"]).AnyAsync(),
        TimeSpan.FromSeconds(20), "the seam's table to empty");

    private static string Id(string did, string rev) => EventIds.ForCommit(did, "app.test.item", "k" + rev, rev, "create");

    private static QueuedEvent Event(string did, string rev) => new()
    {
        EventId = Id(did, rev),
        QueuedAt = DateTimeOffset.UnixEpoch,
        Did = did,
        TimeUs = 1,
        EventJson = "{}"u8.ToArray(),
    };

    /// <summary>
    /// The requests the Azure SDK sends to the table endpoint of one connection string, seen through its <c>Azure.Core</c>
    /// diagnostic listener (the request activity carries the method and the URL, its query's values redacted; a
    /// transaction's is <c>/$batch</c>).
    /// </summary>
    private sealed class TableRequests : IObserver<DiagnosticListener>, IObserver<KeyValuePair<string, object?>>, IDisposable
    {
        private readonly string _endpoint;
        private readonly List<IDisposable> _subscriptions = [];
        private readonly List<string> _urls = [];

        public TableRequests(string connectionString)
        {
            _endpoint = connectionString.Split(';').Select(p => p.Split('=', 2)).Single(kv => kv[0] == "TableEndpoint")[1].TrimEnd('/');
            _subscriptions.Add(DiagnosticListener.AllListeners.Subscribe(this));
        }

        public int Matching(string part)
        {
            lock (_urls)
            {
                return _urls.Count(url => url.Contains(part, StringComparison.Ordinal));
            }
        }

        public void OnNext(DiagnosticListener value)
        {
            if (value.Name == "Azure.Core")
            {
                lock (_subscriptions)
                {
                    _subscriptions.Add(value.Subscribe(this));
                }
            }
        }

        public void OnNext(KeyValuePair<string, object?> value)
        {
            if (value.Key == "Azure.Core.Http.Request.Start" && Activity.Current?.GetTagItem("http.url") is string url
                && url.StartsWith(_endpoint, StringComparison.Ordinal))
            {
                lock (_urls)
                {
                    _urls.Add(Activity.Current.GetTagItem("http.method") + " " + Uri.UnescapeDataString(url));
                }
            }
        }

        public void OnCompleted()
        {
        }

        public void OnError(Exception error)
        {
        }

        public void Dispose()
        {
            lock (_subscriptions)
            {
                _subscriptions.ForEach(s => s.Dispose());
            }
        }
    }
}
