using Jetstream.Grains.Backfill;
using Jetstream.Grains.Interfaces.Backfill;
using Jetstream.Storage;
using Jetstream.TestSupport;
using Jetstream.TestSupport.Backfill;
using Microsoft.Extensions.DependencyInjection;

namespace Jetstream.Grains.Tests.Backfill;

/// <summary>
/// One repository's attempt (<see cref="RepositoryBackfill"/>) run directly in a real silo's services, with the queue
/// and the repair index on Azurite: the order "queue, then index" and what a crash between the two costs.
/// </summary>
public sealed class RepositoryBackfillTests
{
    private const string Wanted = "app.test.item";
    private const string Did = "did:plc:crash";

    [Fact]
    public async Task A_crash_between_showing_the_messages_and_committing_the_index_sends_them_again_with_the_same_ids()
    {
        var network = new FakeNetwork();
        network.Add(Did, "pds1.example", records: 5);
        await using var scenario = await BackfillScenario.StartAsync(network, [Wanted]);
        await using var proxy = StorageProxy.Start(scenario.Storage);
        // The index goes through a proxy cut once the last record was read: the messages are shown, the commit fails.
        var cutting = new AfterLastRecord(network, proxy.Cut);
        var crashing = Backfill(scenario, cutting, new StorageConnection(proxy.ConnectionString));

        BackfillRepoOutcome? crashed = null;
        var error = await Record.ExceptionAsync(async () => crashed = await crashing.RunAsync(Work(scenario, runId: 2), CancellationToken.None));
        Assert.True(error is not null || crashed!.Result == BackfillRepoResult.HostFailed, $"{crashed?.Result}");
        var first = await scenario.DrainAsync(5);

        proxy.Resume();
        cutting.Enabled = false;
        var retried = await crashing.RunAsync(Work(scenario, runId: 2), CancellationToken.None);
        var again = await scenario.DrainAsync(5);
        var third = await crashing.RunAsync(Work(scenario, runId: 2), CancellationToken.None);

        Assert.Equal(BackfillRepoResult.Done, retried.Result);
        Assert.Equal(5, first.Select(e => e.Queued.EventId).Distinct().Count());
        Assert.Equal(first.Select(e => e.Queued.EventId).Order(), again.Select(e => e.Queued.EventId).Order());
        Assert.Equal((BackfillRepoResult.Done, 0L), (third.Result, third.Records));
    }

    [Fact]
    public async Task A_first_run_attempt_that_finds_an_index_committed_by_an_earlier_one_walks_again_against_it()
    {
        var network = new FakeNetwork();
        var repo = network.Add(Did, "pds1.example", records: 4);
        await using var scenario = await BackfillScenario.StartAsync(network, [Wanted]);
        var backfill = Backfill(scenario, network, new StorageConnection(scenario.Storage));
        Assert.Equal(4, (await backfill.RunAsync(Work(scenario, runId: 1), CancellationToken.None)).Records);
        await scenario.DrainAsync(4);

        // The first run's attempt is made again (its report was lost) after a record changed and one went: it reads
        // no index, sends creates, finds the index at its commit, and walks again against it: the update and delete.
        repo.Put(Wanted, "3k00000000001", "changed");
        repo.Remove(Wanted, "3k00000000002");
        var outcome = await backfill.RunAsync(Work(scenario, runId: 1), CancellationToken.None);
        var events = await scenario.DrainAsync(4);

        Assert.Equal(BackfillRepoResult.Done, outcome.Result);
        var operations = events.Select(e => e.Event.GetProperty("commit")).Select(c => $"{c.GetProperty("operation").GetString()} {c.GetProperty("rkey").GetString()}").ToList();
        Assert.Contains("delete 3k00000000002", operations);
        Assert.Contains("update 3k00000000001", operations);
        Assert.Equal(0, (await backfill.RunAsync(Work(scenario, runId: 2), CancellationToken.None)).Records);
    }

    [Fact]
    public async Task A_repository_that_outgrows_its_rows_room_and_shrinks_again_is_repaired_exactly_and_leaves_no_blob()
    {
        var network = new FakeNetwork();
        var repo = network.Add(Did, "pds1.example", records: 5);
        await using var scenario = await BackfillScenario.StartAsync(network, [Wanted]);
        // Rows of 2 KiB: 5 records fit one, 100 (about 4.6 KB) go to a blob.
        var backfill = Backfill(scenario, network, new StorageConnection(scenario.Storage), inlineLimit: 2 * 1024);
        var blobs = new Azure.Storage.Blobs.BlobContainerClient(scenario.Storage, scenario.Settings["Backfill:DeliveredContainer"]);
        Assert.Equal(5, (await backfill.RunAsync(Work(scenario, runId: 1), CancellationToken.None)).Records);
        await scenario.DrainAsync(5);

        for (var i = 0; i < 95; i++)
        {
            repo.Put(Wanted, $"3m{i:D11}", $"more {i}");
        }

        Assert.Equal(95, (await backfill.RunAsync(Work(scenario, runId: 2), CancellationToken.None)).Records);
        Assert.All(await scenario.DrainAsync(95), e => Assert.Equal("create", e.Event.GetProperty("commit").GetProperty("operation").GetString()));
        Assert.Single(await blobs.GetBlobsAsync().ToListAsync());

        // Back under the row's room: the 95 and 3 of the first go, the deletes are sent, the row holds the index again.
        for (var i = 0; i < 95; i++)
        {
            repo.Remove(Wanted, $"3m{i:D11}");
        }

        for (var i = 0; i < 3; i++)
        {
            repo.Remove(Wanted, $"3k{i:D11}");
        }

        Assert.Equal(98, (await backfill.RunAsync(Work(scenario, runId: 3), CancellationToken.None)).Records);
        var deletes = await scenario.DrainAsync(98);
        Assert.Equal(98, deletes.Count(e => e.Event.GetProperty("commit").GetProperty("operation").GetString() == "delete"));
        Assert.Empty(await blobs.GetBlobsAsync().ToListAsync());
        Assert.Equal(0, (await backfill.RunAsync(Work(scenario, runId: 4), CancellationToken.None)).Records);
    }

    internal static RepositoryBackfill Backfill(BackfillScenario scenario, IRepositorySource source, StorageConnection indexStorage, int? blockSize = null, int? inlineLimit = null)
    {
        var options = Microsoft.Extensions.Options.Options.Create(new BackfillOptions { DeliveredContainer = scenario.Settings["Backfill:DeliveredContainer"]!, DeliveredTable = scenario.Settings["Backfill:DeliveredTable"]! });
        var defaults = new DeliveredIndex(indexStorage, options);
        var index = new DeliveredIndex(indexStorage, options) { BlockSize = blockSize ?? defaults.BlockSize, InlineLimit = inlineLimit ?? defaults.InlineLimit };

        return ActivatorUtilities.CreateInstance<RepositoryBackfill>(scenario.Cluster.Silos[0].ServiceProvider, source, index);
    }

    internal static BackfillRepoWork Work(BackfillScenario scenario, long runId, string did = Did) =>
        new(scenario.SubscriptionId, runId, did, "https://pds1.example/", Random.Shared.NextInt64(1, long.MaxValue), [Wanted]);

    /// <summary>A source whose readers call <paramref name="afterLast"/> once their last record was read.</summary>
    private sealed class AfterLastRecord(IRepositorySource inner, Action afterLast) : IRepositorySource
    {
        public bool Enabled { get; set; } = true;

        public IAsyncEnumerable<string> ListReposByCollectionAsync(string collection, CancellationToken cancellationToken) => inner.ListReposByCollectionAsync(collection, cancellationToken);

        public Task<Uri> ResolvePdsAsync(string did, CancellationToken cancellationToken) => inner.ResolvePdsAsync(did, cancellationToken);

        public async Task<IRepositoryReader> OpenAsync(string did, Uri pds, bool verify, CancellationToken cancellationToken) =>
            new Reader(await inner.OpenAsync(did, pds, verify, cancellationToken), this);

        private sealed class Reader(IRepositoryReader inner, AfterLastRecord source) : IRepositoryReader
        {
            public string Rev => inner.Rev;

            public long BytesRead => inner.BytesRead;

            public async IAsyncEnumerable<RepositoryRecord> ReadRecordsAsync(Interfaces.Events.CollectionFilter filter, [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken)
            {
                await foreach (var record in inner.ReadRecordsAsync(filter, cancellationToken))
                {
                    yield return record;
                }

                if (source.Enabled)
                {
                    source.AfterLast();
                }
            }

            public ValueTask DisposeAsync() => inner.DisposeAsync();
        }

        private void AfterLast() => afterLast();
    }
}
