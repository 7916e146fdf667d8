using Xunit.Abstractions;

namespace Atproto.Emulator.Tests;

// The heap is the process's: measured alone, after the parallel tests.
[Collection(nameof(MemoryTests))]
public sealed class MemoryTests(ITestOutputHelper output)
{
    [Fact]
    public async Task A_large_repository_is_built_and_served_without_holding_it_in_memory()
    {
        const int records = 150_000;
        await using var emulator = await AtprotoEmulator.StartAsync(new AtprotoEmulatorOptions
        {
            Accounts = 1,
            MatchingRecords = records,
            OtherRecords = 0,
            MemoryBuildMaxRecords = 1_000,
        });
        using var client = new NetworkClient(emulator);
        var did = emulator.Network.Accounts.DidAt(0);
        var document = await client.Resolver.ResolveAsync(did);
        var baseline = GC.GetTotalMemory(forceFullCollection: true);
        long peak = 0;
        using var done = new CancellationTokenSource();
        // Live heap sampled through the build and the send (a full collection each time: garbage does not count).
        var sampler = Task.Run(async () =>
        {
            while (!done.IsCancellationRequested)
            {
                peak = Math.Max(peak, GC.GetTotalMemory(forceFullCollection: true) - baseline);
                await Task.Delay(50);
            }
        });
        long carBytes = 0;
        await using (var car = await client.Sync.GetRepoAsync(document.PdsEndpoint, did))
        {
            var buffer = new byte[1 << 16];
            int read;
            while ((read = await car.ReadAsync(buffer)) > 0)
            {
                carBytes += read;
            }
        }
        await done.CancelAsync();
        await sampler;
        output.WriteLine($"CAR {carBytes:N0} bytes; live heap grew at most {peak:N0} bytes");
        Assert.True(carBytes > 40_000_000, $"the CAR is {carBytes:N0} bytes");
        Assert.True(peak < 16_000_000, $"the live heap grew {peak:N0} bytes for a CAR of {carBytes:N0}");

        // Served again from the cached file: the same commit.
        using var first = await client.FetchVerifiedAsync(did);
        using var second = await client.FetchVerifiedAsync(did);
        Assert.Equal(first.CommitCid, second.CommitCid);
    }
}
