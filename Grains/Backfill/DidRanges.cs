using Azure.Data.Tables;

namespace Jetstream.Grains.Backfill;

/// <summary>
/// Reads a partition whose RowKeys are DIDs: its first page (1,000 rows) in one query, which is all of it for most
/// partitions (one request, as before); a larger one the rest in RowKey ranges side by side. A table query returns a page
/// at a time, each asked for after the one before, so a large partition read in one query costs its pages' round trips
/// end to end, and Azurite's cost per page grows with the partition (it was quadratic here). A processor activating
/// after a silo's death reads its whole set before its first frame: 200,000 rows (a 10-minute window of hand-overs at
/// bench row b's rate) took 148-149 s on this machine's Azurite in one query, 21 s so (8 ranges took 34-36 s;
/// `dotnet run -c Release --project bench/Micro -- set-load 200000`). The ranges
/// start at each character of <c>did:plc:</c>'s base32 alphabet (random: they hold about the same); the first also holds
/// whatever sorts before (<c>*</c>, the hold on everyone), the last <c>did:web:</c> and after.
/// </summary>
internal static class DidRanges
{
    private const int PageSize = 1000;

    // did:plc's base32 alphabet in ordinal order (2-7, then a-z): a range starts at each character but the first.
    private static readonly string[] Bounds = [.. "34567abcdefghijklmnopqrstuvwxyz".Select(c => "did:plc:" + c)];

    /// <summary>Every row of the partition, <paramref name="map"/>ped, in key order.</summary>
    public static async Task<List<T>> ReadAsync<T>(TableClient table, string partitionKey, IEnumerable<string>? select, Func<TableEntity, T> map, CancellationToken cancellationToken)
    {
        var fields = select?.ToList();
        var rows = new List<T>();
        string? last = null;
        await foreach (var page in table.QueryAsync<TableEntity>(TableClient.CreateQueryFilter($"PartitionKey eq {partitionKey}"), PageSize, fields, cancellationToken).AsPages())
        {
            rows.AddRange(page.Values.Select(map));
            if (page.ContinuationToken is null || page.Values.Count == 0)
            {
                return rows;
            }

            last = page.Values[^1].RowKey;
            break;
        }

        // The rest: after the last key read, cut at each bound beyond it.
        var starts = Bounds.Where(b => string.CompareOrdinal(b, last) > 0).ToList();
        var ranges = await Task.WhenAll(Enumerable.Range(0, starts.Count + 1).Select(async i =>
        {
            var filter = (i == 0, i == starts.Count) switch
            {
                (true, true) => TableClient.CreateQueryFilter($"PartitionKey eq {partitionKey} and RowKey gt {last}"),
                (true, false) => TableClient.CreateQueryFilter($"PartitionKey eq {partitionKey} and RowKey gt {last} and RowKey lt {starts[0]}"),
                (false, true) => TableClient.CreateQueryFilter($"PartitionKey eq {partitionKey} and RowKey ge {starts[^1]}"),
                _ => TableClient.CreateQueryFilter($"PartitionKey eq {partitionKey} and RowKey ge {starts[i - 1]} and RowKey lt {starts[i]}"),
            };
            var part = new List<T>();
            await foreach (var entity in table.QueryAsync<TableEntity>(filter, PageSize, fields, cancellationToken))
            {
                part.Add(map(entity));
            }

            return part;
        }));
        foreach (var part in ranges)
        {
            rows.AddRange(part);
        }

        return rows;
    }
}
