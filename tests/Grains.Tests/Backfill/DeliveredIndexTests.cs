using Azure.Storage.Blobs;
using Azure.Storage.Blobs.Specialized;
using Jetstream.Grains.Backfill;
using Jetstream.Storage;
using Jetstream.TestSupport;

namespace Jetstream.Grains.Tests.Backfill;

/// <summary>
/// The repair index on Azurite: a row per repository holding a small index, a blob of the attempt's own (one PUT or
/// staged blocks) named by the row for a large one; conditional commits, gathered ones among them; the cleanup.
/// </summary>
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
    [InlineData(10, 0)]
    [InlineData(60, 1)]
    [InlineData(5_000, 40)]
    public async Task What_is_committed_reads_back_in_key_order_from_its_row_or_from_a_blob_of_one_PUT_or_staged_blocks(int records, int leastBlocks)
    {
        var (index, container) = await IndexAsync();
        var written = Records(records);

        Assert.True(await CommitAsync(index, DeliveredView.Nothing, [.. written]));

        // Rows of 2 KiB and blocks of 4 KiB here: 10 records fit the row; 60 records are one PUT; 5,000 about 55 blocks.
        var blobs = await container.GetBlobsAsync().Select(b => b.Name).ToListAsync();
        if (leastBlocks == 0)
        {
            Assert.Empty(blobs);
        }
        else
        {
            var blob = Assert.Single(blobs);
            Assert.StartsWith("sub/did:plc:one/", blob);
            var blocks = (await container.GetBlockBlobClient(blob).GetBlockListAsync()).Value.CommittedBlocks.Count();
            Assert.True(leastBlocks == 1 ? blocks <= 1 : blocks >= leastBlocks, $"{blocks} blocks");
        }

        await using var view = await index.OpenAsync("sub", null, "did:plc:one", CancellationToken.None);
        Assert.NotNull(view.ETag);
        Assert.Equal(written, await view.Records(CancellationToken.None).ToListAsync());
    }

    [Fact]
    public async Task A_commit_against_an_index_that_changed_or_appeared_meanwhile_changes_nothing_and_leaves_no_blob()
    {
        var (index, container) = await IndexAsync();
        var first = Records(300);
        await CommitAsync(index, DeliveredView.Nothing, [.. first]);

        // Another attempt committed first: a commit based on "nothing" does not overwrite it.
        Assert.False(await CommitAsync(index, DeliveredView.Nothing, DeliveredIndexFormatTests.Record("a.b", "3k2", 2)));
        Assert.False(await CommitAsync(index, DeliveredView.Nothing, [.. Records(400)]));

        await using (var read = await index.OpenAsync("sub", null, "did:plc:one", CancellationToken.None))
        {
            Assert.Equal(first, await read.Records(CancellationToken.None).ToListAsync());
            await using var later = await index.OpenAsync("sub", null, "did:plc:one", CancellationToken.None);
            Assert.True(await CommitAsync(index, later, DeliveredIndexFormatTests.Record("a.b", "3k3", 3)));
            // Based on the version read before that commit: refused, and an empty index deletes nothing either.
            Assert.False(await CommitAsync(index, read, DeliveredIndexFormatTests.Record("a.b", "3k4", 4)));
            Assert.False(await CommitAsync(index, read));
        }

        // The replaced index's blob and the refused attempt's are gone: the row holds the index now.
        Assert.Empty(await container.GetBlobsAsync().ToListAsync());
        await using var last = await index.OpenAsync("sub", null, "did:plc:one", CancellationToken.None);
        Assert.Equal("3k3", Assert.Single(await last.Records(CancellationToken.None).ToListAsync()).Rkey);
        Assert.True(await CommitAsync(index, last));
        Assert.Equal(0, await index.CountAsync("sub", null));
    }

    [Fact]
    public async Task Commits_of_many_repositories_at_once_are_gathered_and_a_refused_one_does_not_refuse_the_others()
    {
        var (index, _) = await IndexAsync();
        // One repository already has an index: its attempt based on "nothing" is refused among the others.
        Assert.True(await CommitAsync(index, DeliveredView.Nothing, "did:plc:taken", DeliveredIndexFormatTests.Record("a.b", "3k1", 1)));
        var before = index.Rows.Requests;

        var dids = Enumerable.Range(0, 300).Select(i => $"did:plc:r{i:D4}").Append("did:plc:taken").ToList();
        var results = await Task.WhenAll(dids.Select(did => CommitAsync(index, DeliveredView.Nothing, did, DeliveredIndexFormatTests.Record("a.b", "3k5", 5))));

        Assert.Equal(dids.Select(d => d != "did:plc:taken"), results);
        Assert.Equal(301, await index.CountAsync("sub", null));
        // 300 rows, a transaction per up to 100 rows of the subscription: far fewer requests than rows.
        Assert.True(index.Rows.Requests - before < 60, $"{index.Rows.Requests - before} requests for 301 commits");
        await using var taken = await index.OpenAsync("sub", null, "did:plc:taken", CancellationToken.None);
        Assert.Equal("3k1", Assert.Single(await taken.Records(CancellationToken.None).ToListAsync()).Rkey);
    }

    [Fact]
    public async Task Deleting_a_subscriptions_index_removes_the_rows_and_blobs_of_that_generation_only()
    {
        var (index, container) = await IndexAsync();
        // "sub" before generations, "sub" of generation g1 (deleted) and g2 (created again at once), a neighbour "sub-x".
        foreach (var (subscription, generation, did) in new[]
        {
            ("sub", null, "did:plc:a"), ("sub", "g1", "did:plc:a"), ("sub", "g1", "did:web:example.com"), ("sub", "g2", "did:plc:a"), ("sub-x", null, "did:plc:a"),
        })
        {
            using var upload = index.StartWrite(subscription, generation, did, DeliveredView.Nothing);
            foreach (var record in did == "did:plc:a" ? Records(300) : Records(1))
            {
                await upload.AddAsync(record, CancellationToken.None);
            }

            Assert.True(await upload.CommitAsync(CancellationToken.None));
        }

        Assert.Equal(2, await index.DeleteAllAsync("sub", "g1", CancellationToken.None));
        Assert.Equal(["sub-x/", "sub/did:plc:a/", "sub/g2/did:plc:a/"], await BlobFoldersAsync(container));
        Assert.Equal(0, await index.CountAsync("sub", "g1"));

        Assert.Equal(1, await index.DeleteAllAsync("sub", null, CancellationToken.None));
        Assert.Equal(["sub-x/", "sub/g2/did:plc:a/"], await BlobFoldersAsync(container));
        Assert.Equal((0, 1, 1), (await index.CountAsync("sub", null), await index.CountAsync("sub", "g2"), await index.CountAsync("sub-x", null)));
        Assert.Equal(0, await index.DeleteAllAsync("never", "g1", CancellationToken.None));
    }

    private static async Task<List<string>> BlobFoldersAsync(BlobContainerClient container) =>
        await container.GetBlobsAsync().Select(b => b.Name[..(b.Name.LastIndexOf('/') + 1)]).Select(n => n.StartsWith("sub-x/", StringComparison.Ordinal) ? "sub-x/" : n)
            .OrderBy(n => n, StringComparer.Ordinal).ToListAsync();

    private static List<DeliveredRecord> Records(int count) =>
        Enumerable.Range(0, count)
            .Select(i => DeliveredIndexFormatTests.Record(i % 3 == 0 ? "a.b.c" : "a.b", DeliveredIndexFormatTests.Tid(i), i))
            .OrderBy(r => r.Collection + "/" + r.Rkey, StringComparer.Ordinal)
            .ToList();

    private static Task<bool> CommitAsync(DeliveredIndex index, DeliveredView basedOn, params DeliveredRecord[] records) =>
        CommitAsync(index, basedOn, "did:plc:one", records);

    private static async Task<bool> CommitAsync(DeliveredIndex index, DeliveredView basedOn, string did, params DeliveredRecord[] records)
    {
        using var upload = index.StartWrite("sub", null, did, basedOn);
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
        var index = new DeliveredIndex(new StorageConnection(connection), Microsoft.Extensions.Options.Options.Create(new BackfillOptions
        {
            DeliveredContainer = name,
            DeliveredTable = TestNames.Table("delivered"),
        }))
        {
            BlockSize = 4 * 1024,
            InlineLimit = 2 * 1024,
        };
        var container = new BlobContainerClient(connection, name);
        await container.CreateIfNotExistsAsync();
        return (index, container);
    }
}
