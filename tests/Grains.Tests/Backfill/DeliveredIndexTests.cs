using Azure.Storage.Blobs;
using Azure.Storage.Blobs.Specialized;
using Jetstream.Grains.Backfill;
using Jetstream.Storage;
using Jetstream.TestSupport;

namespace Jetstream.Grains.Tests.Backfill;

/// <summary>The repair index as blobs on Azurite: one GET streamed, staged blocks committed, conditional commits, the cleanup.</summary>
public sealed class DeliveredIndexTests
{
    [Fact]
    public async Task A_repository_never_delivered_reads_as_nothing()
    {
        var (index, _) = await IndexAsync();

        await using var view = await index.OpenAsync("sub", null, "did:plc:none", CancellationToken.None);

        Assert.Null(view.ETag);
        Assert.Empty(await view.Records(CancellationToken.None).ToListAsync());
    }

    [Theory]
    [InlineData(10, false)]
    [InlineData(5_000, true)]
    public async Task What_is_committed_reads_back_in_key_order_as_one_PUT_or_as_staged_blocks(int records, bool staged)
    {
        var (index, container) = await IndexAsync();
        var written = Enumerable.Range(0, records)
            .Select(i => DeliveredIndexFormatTests.Record(i % 3 == 0 ? "a.b.c" : "a.b", DeliveredIndexFormatTests.Tid(i), i))
            .OrderBy(r => r.Collection + "/" + r.Rkey, StringComparer.Ordinal)
            .ToList();

        using (var upload = index.StartWrite("sub", null, "did:plc:one", DeliveredView.Nothing))
        {
            foreach (var record in written)
            {
                await upload.AddAsync(record, CancellationToken.None);
            }

            Assert.True(await upload.CommitAsync(CancellationToken.None));
        }

        // Blocks of 4 KiB here: 5,000 records are about 55 of them; 10 records are one PUT (no block list, or one block).
        var blocks = (await container.GetBlockBlobClient("sub/did:plc:one").GetBlockListAsync()).Value.CommittedBlocks.Count();
        Assert.True(staged ? blocks > 40 : blocks <= 1, $"{blocks} blocks");
        await using var view = await index.OpenAsync("sub", null, "did:plc:one", CancellationToken.None);
        Assert.NotNull(view.ETag);
        Assert.Equal(written, await view.Records(CancellationToken.None).ToListAsync());
    }

    [Fact]
    public async Task A_commit_against_an_index_that_changed_or_appeared_meanwhile_changes_nothing()
    {
        var (index, container) = await IndexAsync();
        var first = DeliveredIndexFormatTests.Record("a.b", "3k1", 1);
        await CommitAsync(index, DeliveredView.Nothing, first);

        // Another attempt committed first: a commit based on "nothing" does not overwrite it.
        Assert.False(await CommitAsync(index, DeliveredView.Nothing, DeliveredIndexFormatTests.Record("a.b", "3k2", 2)));

        await using (var read = await index.OpenAsync("sub", null, "did:plc:one", CancellationToken.None))
        {
            Assert.Equal([first], await read.Records(CancellationToken.None).ToListAsync());
            await using var later = await index.OpenAsync("sub", null, "did:plc:one", CancellationToken.None);
            Assert.True(await CommitAsync(index, later, DeliveredIndexFormatTests.Record("a.b", "3k3", 3)));
            // Based on the version read before that commit: refused, and an empty index deletes nothing either.
            Assert.False(await CommitAsync(index, read, DeliveredIndexFormatTests.Record("a.b", "3k4", 4)));
            Assert.False(await CommitAsync(index, read));
        }

        await using var last = await index.OpenAsync("sub", null, "did:plc:one", CancellationToken.None);
        Assert.Equal("3k3", Assert.Single(await last.Records(CancellationToken.None).ToListAsync()).Rkey);
        Assert.True(await CommitAsync(index, last));
        Assert.False(await container.GetBlobClient("sub/did:plc:one").ExistsAsync());
    }

    [Fact]
    public async Task Deleting_a_subscriptions_index_removes_the_blobs_of_that_generation_only()
    {
        var (index, container) = await IndexAsync();
        var record = DeliveredIndexFormatTests.Record("a.b", "3k1", 1);
        // "sub" before generations, "sub" of generation g1 (deleted) and g2 (created again at once), a neighbour "sub-x".
        foreach (var (subscription, generation, did) in new[]
        {
            ("sub", null, "did:plc:a"), ("sub", "g1", "did:plc:a"), ("sub", "g1", "did:web:example.com"), ("sub", "g2", "did:plc:a"), ("sub-x", null, "did:plc:a"),
        })
        {
            using var upload = index.StartWrite(subscription, generation, did, DeliveredView.Nothing);
            await upload.AddAsync(record, CancellationToken.None);
            Assert.True(await upload.CommitAsync(CancellationToken.None));
        }

        Assert.Equal(2, await index.DeleteAllAsync("sub", "g1", CancellationToken.None));
        Assert.Equal(["sub-x/did:plc:a", "sub/did:plc:a", "sub/g2/did:plc:a"], await container.GetBlobsAsync().Select(b => b.Name).OrderBy(n => n, StringComparer.Ordinal).ToListAsync());

        Assert.Equal(1, await index.DeleteAllAsync("sub", null, CancellationToken.None));
        Assert.Equal(["sub-x/did:plc:a", "sub/g2/did:plc:a"], await container.GetBlobsAsync().Select(b => b.Name).OrderBy(n => n, StringComparer.Ordinal).ToListAsync());
        Assert.Equal(0, await index.DeleteAllAsync("never", "g1", CancellationToken.None));
    }

    private static async Task<bool> CommitAsync(DeliveredIndex index, DeliveredView basedOn, params DeliveredRecord[] records)
    {
        using var upload = index.StartWrite("sub", null, "did:plc:one", basedOn);
        foreach (var record in records)
        {
            await upload.AddAsync(record, CancellationToken.None);
        }

        return await upload.CommitAsync(CancellationToken.None);
    }

    private static async Task<(DeliveredIndex Index, BlobContainerClient Container)> IndexAsync()
    {
        var connection = await SharedAzurite.GetConnectionStringAsync();
        var name = TestNames.Queue("delivered");
        var index = new DeliveredIndex(new StorageConnection(connection), Microsoft.Extensions.Options.Options.Create(new BackfillOptions { DeliveredContainer = name }))
        {
            BlockSize = 4 * 1024,
        };
        return (index, new BlobContainerClient(connection, name));
    }
}
