using System.Runtime.CompilerServices;
using System.Text;
using Jetstream.Atproto.Cids;
using Jetstream.Grains.Backfill;
using Jetstream.Grains.Interfaces.Backfill;
using Jetstream.Grains.Interfaces.Events;
using Jetstream.Storage;
using Jetstream.TestSupport.Backfill;
using Xunit.Abstractions;

namespace Jetstream.Grains.Tests.Backfill;

[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class RepairMemoryCollection
{
    public const string Name = "Repair memory (alone: it reads the process's heap)";
}

/// <summary>
/// A repository of 200,000 records repaired through <see cref="RepositoryBackfill"/> with the real
/// queue and index on Azurite, the managed heap measured (after a full collection) every 20,000 records of the walk:
/// it stays flat. Before the index was a streamed blob, the attempt kept every change in a list until the end (about
/// 300 bytes a record: 60 MB here).
/// </summary>
[Collection(RepairMemoryCollection.Name)]
public sealed class RepairMemoryTests(ITestOutputHelper output)
{
    private const int Records = 200_000;
    private const int SampleEvery = 20_000;

    [Fact]
    public async Task A_repository_of_200000_records_is_repaired_with_a_flat_heap()
    {
        await using var scenario = await BackfillScenario.StartAsync(null, ["app.test.item"]);
        var index = new DeliveredIndex(new StorageConnection(scenario.Storage),
            Microsoft.Extensions.Options.Options.Create(new BackfillOptions { DeliveredContainer = scenario.Settings["Backfill:DeliveredContainer"]!, DeliveredTable = scenario.Settings["Backfill:DeliveredTable"]! }));
        // What a first backfill left (written directly: 200,000 creates through the queue take minutes on this machine;
        // measured once that way, the heap was as flat: 32.5 MB at 20,000 records, 34.9 MB at 180,000).
        using (var upload = index.StartWrite(scenario.SubscriptionId, generation: null, GeneratedRepository.Did, DeliveredView.Nothing)) // as RepositoryBackfillTests.Work: no generation
        {
            for (var i = 0; i < Records; i++)
            {
                await upload.AddAsync(new DeliveredRecord("app.test.item", DeliveredIndexFormatTests.Tid(i), Cid.Compute(Cid.DagCborCodec, GeneratedRepository.Json(i, 1))), CancellationToken.None);
            }

            Assert.True(await upload.CommitAsync(CancellationToken.None));
            output.WriteLine($"the index: {upload.Bytes:N0} bytes for {upload.Records:N0} records, {upload.Bytes / (double)upload.Records:F1} bytes a record");
        }

        // One record in 100 changed, one in 1,000 gone (every 1,000th is also a 100th: gone wins), ten new at the end.
        var repository = new GeneratedRepository(i => i >= Records ? 1 : i % 1_000 == 7 ? 0 : i % 100 == 7 ? 2 : 1) { Count = Records + 10 };
        // 1 MiB blocks: the new index (about 9 MB) is staged in several, and the encoder's buffer stays small beside the heap.
        var backfill = RepositoryBackfillTests.Backfill(scenario, repository, new StorageConnection(scenario.Storage), blockSize: 1024 * 1024);
        var repaired = await MeasureAsync(repository, () => backfill.RunAsync(RepositoryBackfillTests.Work(scenario, runId: 2, GeneratedRepository.Did), CancellationToken.None));
        Assert.Equal((BackfillRepoResult.Done, 1_800L + 200 + 10), (repaired.Result, repaired.Records));

        var again = await backfill.RunAsync(RepositoryBackfillTests.Work(scenario, runId: 3, GeneratedRepository.Did), CancellationToken.None);
        Assert.Equal((BackfillRepoResult.Done, 0L), (again.Result, again.Records));
    }

    private async Task<BackfillRepoOutcome> MeasureAsync(GeneratedRepository repository, Func<Task<BackfillRepoOutcome>> run)
    {
        var allocatedBefore = GC.GetTotalAllocatedBytes(precise: true);
        var outcome = await run();
        var allocated = GC.GetTotalAllocatedBytes(precise: true) - allocatedBefore;
        var samples = repository.HeapSamples;
        // The largest rise over any earlier sample: the process's heap is shared with the tests running beside this one,
        // and one of them freeing 19 MB mid-walk once read as "growth" when taken as the samples' max minus their min.
        var growth = samples.Select((s, i) => s - samples.Take(i + 1).Min()).Max();
        output.WriteLine($"{outcome.Records:N0} changes over {repository.Count:N0} records: heap {string.Join(", ", samples.Select(s => $"{s / 1024 / 1024.0:F1}"))} MB; " +
            $"{allocated / (double)repository.Count:N0} bytes allocated per record (the process's, the queue's compression included)");
        Assert.True(samples.Count >= Records / SampleEvery - 1, $"{samples.Count} samples");
        // A list of the changes would grow the heap by about 300 bytes a record (60 MB); flat is the blocks and windows.
        Assert.True(growth < 12 * 1024 * 1024, $"the heap grew by {growth / 1024 / 1024.0:F1} MB during the walk");
        return outcome;
    }

    /// <summary>
    /// A repository whose records are made as they are read (nothing of it held), <c>app.test.item/{TID}</c> in key
    /// order with a CID of <c>version(i)</c> (0: not there), measuring the heap every 20,000 records.
    /// </summary>
    private sealed class GeneratedRepository(Func<int, int> version) : IRepositorySource, IRepositoryReader
    {
        public const string Did = "did:plc:generated";

        public int Count { get; init; } = Records;

        public List<long> HeapSamples { get; } = [];

        public string Rev => "3lrev00000001";

        public long BytesRead { get; private set; }

        public IAsyncEnumerable<string> ListReposByCollectionAsync(string collection, CancellationToken cancellationToken) => AsyncEnumerable.Empty<string>();

        public Task<Uri> ResolvePdsAsync(string did, CancellationToken cancellationToken) => Task.FromResult(new Uri("https://pds1.example/"));

        public Task<IRepositoryReader> OpenAsync(string did, Uri pds, bool verify, CancellationToken cancellationToken)
        {
            HeapSamples.Clear();
            return Task.FromResult<IRepositoryReader>(this);
        }

        public async IAsyncEnumerable<RepositoryRecord> ReadRecordsAsync(CollectionFilter filter, [EnumeratorCancellation] CancellationToken cancellationToken)
        {
            await Task.Yield();
            for (var i = 0; i < Count; i++)
            {
                if (i > 0 && i % SampleEvery == 0)
                {
                    GC.Collect(2, GCCollectionMode.Forced, blocking: true, compacting: true);
                    GC.WaitForPendingFinalizers();
                    GC.Collect();
                    HeapSamples.Add(GC.GetTotalMemory(forceFullCollection: false));
                }

                var v = version(i);
                if (v == 0)
                {
                    continue;
                }

                var json = Json(i, v);
                BytesRead += json.Length;
                yield return new RepositoryRecord("app.test.item", DeliveredIndexFormatTests.Tid(i), Cid.Compute(Cid.DagCborCodec, json).ToString(), json);
            }
        }

        public ValueTask DisposeAsync() => ValueTask.CompletedTask;

        public static byte[] Json(int i, int version) => Encoding.UTF8.GetBytes($"{{\"$type\":\"app.test.item\",\"n\":{i},\"v\":{version}}}");
    }
}
