using System.Diagnostics;
using System.Diagnostics.Metrics;
using Azure.Data.Tables;
using Jetstream.Grains.Backfill;
using Jetstream.Grains.Interfaces.Backfill;
using Jetstream.Storage;
using Jetstream.TestSupport;
using Microsoft.Extensions.Options;

namespace Jetstream.Bench.Micro;

/// <summary>
/// What a processor activating after a silo's death waits for before its first frame: its set read from
/// <c>Backfill:HeldTable</c> (<see cref="HeldEventTable.LoadSetAsync"/>), here a set of N hand-overs kept after a large
/// backfill (random did:plc DIDs, each marked releasing with a rev, as <c>KeptSetRows</c> keeps them), against Azurite
/// (the one on 127.0.0.1:10000-10002, else one started for it). Each round reads it as the silo does and in one query as
/// it did before (<c>DidRanges</c>). <c>dotnet run -c Release --project bench/Micro -- set-load [rows]</c>.
/// </summary>
internal static class SetLoadProbe
{
    public const string Command = "set-load";

    public static async Task<int> RunAsync(string[] args)
    {
        var count = args.Length > 0 ? int.Parse(args[0], System.Globalization.CultureInfo.InvariantCulture) : 200_000;
        var connection = await SharedAzurite.GetConnectionStringAsync();
        var name = TestNames.Table("benchsetload");
        using var meters = new Meters();
        var table = new HeldEventTable(new StorageConnection(connection), Options.Create(new BackfillOptions { HeldTable = name }), new BackfillMetrics(meters));
        const string base32 = "abcdefghijklmnopqrstuvwxyz234567";
        var random = new Random(18);
        var dids = Enumerable.Range(0, count).Select(_ => "did:plc:" + new string([.. Enumerable.Range(0, 24).Select(_ => base32[random.Next(32)])])).Distinct().ToList();
        var clock = Stopwatch.StartNew();
        foreach (var chunk in dids.Chunk(1000))
        {
            await table.AddToSetAsync("sub", chunk, CancellationToken.None);
            await table.MarkReleasingAsync("sub", [.. chunk.Select(d => new HeldRelease(d, "3lrev00000010", false))], CancellationToken.None);
        }

        Console.WriteLine($"set-load: {dids.Count:N0} rows stored in {clock.Elapsed.TotalSeconds:F1} s");
        var raw = new TableClient(connection, name);
        for (var round = 1; round <= 2; round++)
        {
            clock.Restart();
            var loaded = 0;
            var releases = await table.LoadSetAsync("sub", _ => loaded++, CancellationToken.None);
            Console.WriteLine($"set-load: round {round}: LoadSetAsync {loaded:N0} rows ({releases.Count:N0} releasing) in {clock.Elapsed.TotalSeconds:F1} s");

            clock.Restart();
            var one = 0;
            await foreach (var _ in raw.QueryAsync<TableEntity>(TableClient.CreateQueryFilter($"PartitionKey eq {"set~sub"}"), maxPerPage: 1000))
            {
                one++;
            }

            Console.WriteLine($"set-load: round {round}: one query {one:N0} rows in {clock.Elapsed.TotalSeconds:F1} s");
        }

        await raw.DeleteAsync();
        return 0;
    }

    private sealed class Meters : IMeterFactory
    {
        public Meter Create(MeterOptions options) => new(options);

        public void Dispose()
        {
        }
    }
}
