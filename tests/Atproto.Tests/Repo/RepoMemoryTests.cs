using Jetstream.Atproto.Car;
using Jetstream.Atproto.Crypto;
using Jetstream.Atproto.Repo;
using Xunit.Abstractions;

namespace Jetstream.Atproto.Tests.Repo;

/// <summary>The property that lets a silo read any repository: memory grows with the block count (the index), not with the bytes.</summary>
[Collection(MemoryMeasurementCollection.Name)]
public sealed class RepoMemoryTests(ITestOutputHelper output) : IDisposable
{
    private const int Records = 200_000;
    private readonly string _temp = Directory.CreateTempSubdirectory("repo-memory-").FullName;

    public void Dispose() => Directory.Delete(_temp, recursive: true);

    [Fact]
    public async Task Reading_200000_records_keeps_only_the_block_index_in_memory()
    {
        var path = Path.Combine(_temp, "repo.car");
        await WriteRepositoryAsync(path);
        var carBytes = new FileInfo(path).Length;
        var baseline = GC.GetTotalMemory(forceFullCollection: true);
        long peak = 0;
        var count = 0;
        var clock = System.Diagnostics.Stopwatch.StartNew();
        await using (var file = File.OpenRead(path))
        using (var snapshot = await RepoSnapshot.ReadAsync(file, new CarReadOptions { TempDirectory = _temp }))
        {
            peak = Math.Max(peak, GC.GetTotalMemory(forceFullCollection: true) - baseline);
            await foreach (var record in snapshot.ReadRecordsAsync(CollectionFilter.All))
            {
                if (++count % 50_000 == 0)
                {
                    peak = Math.Max(peak, GC.GetTotalMemory(forceFullCollection: true) - baseline);
                }
            }
            output.WriteLine($"{count} records, {snapshot.BlockCount} blocks, CAR {carBytes / 1e6:F1} MB, " +
                             $"retained heap at peak {peak / 1e6:F1} MB ({peak / snapshot.BlockCount} B per block), " +
                             $"read and walked in {clock.Elapsed.TotalSeconds:F1} s (5 forced full GCs included)");
            Assert.True(peak < snapshot.BlockCount * 40L + 2_000_000, $"{peak} bytes retained for {snapshot.BlockCount} blocks");
            Assert.True(peak < carBytes / 2, $"{peak} bytes retained for a CAR of {carBytes}");
        }
        Assert.Equal(Records, count);
        Assert.Equal(["repo.car"], Directory.GetFiles(_temp).Select(Path.GetFileName));
    }

    // Built in a method of its own so nothing of the builder is still referenced when the read is measured.
    private static async Task WriteRepositoryAsync(string path)
    {
        var built = TestRepos.Builder(AtprotoPrivateKey.Generate("k256"), ("app.bsky.feed.post", Records)).Build(TestRepos.Rev);
        await using var file = File.Create(path);
        await built.WriteCarAsync(file);
    }
}
