using Jetstream.Storage;
using Jetstream.TestSupport;
using Jetstream.TestSupport.Backfill;

namespace Jetstream.Grains.Tests.Backfill;

/// <summary>What the seam's table (<c>Backfill:HeldTable</c>) of a scenario holds.</summary>
internal static class SeamTables
{
    public static async Task<int> HeldCountAsync(BackfillScenario scenario)
    {
        var table = new StorageConnection(scenario.Storage).Table(scenario.Settings["Backfill:HeldTable"]!);
        var count = 0;
        try
        {
            await foreach (var e in table.QueryAsync<Azure.Data.Tables.TableEntity>(select: ["PartitionKey"]))
            {
                count += e.PartitionKey.StartsWith("ev~", StringComparison.Ordinal) ? 1 : 0;
            }
        }
        catch (Azure.RequestFailedException ex) when (ex.Status == 404)
        {
            return 0;
        }

        return count;
    }

    public static async Task<bool> HeldTableEmptiesAsync(BackfillScenario scenario, TimeSpan timeout)
    {
        var table = new StorageConnection(scenario.Storage).Table(scenario.Settings["Backfill:HeldTable"]!);
        await Eventually.HoldsAsync(async () => !await table.QueryAsync<Azure.Data.Tables.TableEntity>(select: ["PartitionKey"]).AnyAsync(), timeout, "the seam's table to empty");
        return true;
    }
}
