using Jetstream.Storage;
using Jetstream.Grains.Backfill;
using Jetstream.Grains.Interfaces.Events;
using Jetstream.TestSupport;

namespace Jetstream.Grains.Tests.Backfill;

/// <summary>
/// The repair index as the walk sees it, on Azurite: held in memory from one query when a repository's rows fit a page,
/// streamed a collection at a time when they do not, and the same records in the same order either way.
/// </summary>
public sealed class DeliveredViewTests
{
    [Theory]
    [InlineData(3)]
    [InlineData(1_205)]
    public async Task Held_or_streamed_the_walk_sees_each_collection_in_rkey_order_and_every_row(int records)
    {
        var index = new DeliveredIndex(new StorageConnection(await SharedAzurite.GetConnectionStringAsync()),
            Microsoft.Extensions.Options.Options.Create(new BackfillOptions { DeliveredTable = TestNames.Table("delivered") }));
        // "a.b" is a prefix of "a.bc": their row keys interleave differently from their (collection, rkey) order.
        var written = Enumerable.Range(0, records)
            .Select(i => (Collection: i % 2 == 0 ? "a.b" : "a.bc", Rkey: $"3k{i:D5}", Cid: $"cid{i}"))
            .Select(r => new RepairChange(RepairChange.Create, r.Collection, r.Rkey, r.Cid, new RepositoryRecord(r.Collection, r.Rkey, r.Cid, default)))
            .ToList();
        await index.ApplyAsync("sub", "did:plc:one", written);

        var view = await DeliveredView.OpenAsync(index, "sub", "did:plc:one", CancellationToken.None);

        foreach (var collection in new[] { "a.b", "a.bc", "a.other" })
        {
            var expected = written.Where(c => c.Collection == collection).OrderBy(c => c.Rkey, StringComparer.Ordinal).Select(c => $"{c.Rkey} {c.Cid}");
            Assert.Equal(expected, await view.In(collection, CancellationToken.None).Select(r => $"{r.Rkey} {r.Cid}").ToListAsync());
        }

        var all = await view.All(CancellationToken.None).Select(r => $"{r.Collection}/{r.Rkey} {r.Cid}").ToListAsync();
        Assert.Equal(written.Select(c => $"{c.Collection}/{c.Rkey} {c.Cid}").Order(StringComparer.Ordinal), all.Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task A_repository_never_delivered_reads_as_empty()
    {
        var index = new DeliveredIndex(new StorageConnection(await SharedAzurite.GetConnectionStringAsync()),
            Microsoft.Extensions.Options.Options.Create(new BackfillOptions { DeliveredTable = TestNames.Table("delivered") }));

        var view = await DeliveredView.OpenAsync(index, "sub", "did:plc:none", CancellationToken.None);

        Assert.Empty(await view.In("a.b", CancellationToken.None).ToListAsync());
        Assert.Empty(await view.All(CancellationToken.None).ToListAsync());
    }
}
