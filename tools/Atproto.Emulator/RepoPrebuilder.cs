using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Atproto.Emulator;

/// <summary>
/// With <see cref="AtprotoEmulatorOptions.Prebuild"/>, builds every repository into the cache after start, one per
/// core at a time, so the first fetch of each is served from a file like the rest.
/// </summary>
internal sealed partial class RepoPrebuilder(EmulatedNetwork network, RepoStore store, ILogger<RepoPrebuilder> logger) : BackgroundService
{
    private int _built;

    public int Built => Volatile.Read(ref _built);

    public int Total => network.Options.Prebuild ? network.Accounts.Count : 0;

    public bool Done => Built == Total;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (!network.Options.Prebuild)
        {
            return;
        }
        var none = new FaultSet([]);
        var clock = System.Diagnostics.Stopwatch.StartNew();
        await Parallel.ForEachAsync(
            Enumerable.Range(0, network.Accounts.Count),
            new ParallelOptions { MaxDegreeOfParallelism = Environment.ProcessorCount, CancellationToken = stoppingToken },
            async (index, ct) =>
            {
                await store.GetAsync(network.Accounts[index], none, ct);
                Interlocked.Increment(ref _built);
            });
        Prebuilt(logger, Built, clock.Elapsed.TotalSeconds);
    }

    [LoggerMessage(2, LogLevel.Information, "Prebuilt {Count} repositories in {Seconds:F1} s")]
    private static partial void Prebuilt(ILogger logger, int count, double seconds);
}
