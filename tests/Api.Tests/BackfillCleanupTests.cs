using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Azure.Data.Tables;
using Azure.Storage.Blobs;
using Jetstream.Storage;
using Jetstream.Storage.Subscriptions;
using Jetstream.TestSupport;

namespace Jetstream.Api.Tests;

/// <summary>
/// Deleting a subscription removes its backfill's run rows and repair index blobs, and no other subscription's, nor
/// those of the subscription a script creates again at once with the same id.
/// </summary>
[Collection(ApiClusterCollection.Name)]
public sealed class BackfillCleanupTests(ApiClusterFixture cluster)
{
    // The silo's defaults (Backfill:RepoTable, Backfill:DeliveredContainer).
    private const string RepoTable = "backfillrepos";
    private const string DeliveredContainer = "backfilldelivered";

    [Fact]
    public async Task Deleting_a_subscription_removes_its_backfill_run_rows_and_repair_index_only_not_those_of_one_created_again_at_once()
    {
        using var client = new SubscriptionClient(cluster);
        var id = SubscriptionClient.NewId("bfclean");
        await client.CreateOkAsync(SubscriptionClient.Body(id, ["app.example.post"]));

        // A run over DIDs writes a row per repository (each fails here: the silo's PLC is a closed port).
        using (var started = await client.Http.PostAsJsonAsync($"/subscriptions/{id}/backfill", new JsonObject { ["dids"] = new JsonArray("did:plc:aaaaaaaaaaaaaaaaaaaaaaaa", "did:plc:bbbbbbbbbbbbbbbbbbbbbbbb") }))
        {
            Assert.Equal(HttpStatusCode.Accepted, started.StatusCode);
        }

        await Eventually.HoldsAsync(async () => (await client.GetJsonAsync($"/subscriptions/{id}/backfill")).GetProperty("state").GetString() == "completed",
            TimeSpan.FromSeconds(60), "the backfill to complete");

        // The repair index as a successful run leaves it: a blob per repository, and a neighbour whose id starts with
        // this one's, which must stay. The blobs' content does not matter to the cleanup.
        var delivered = new BlobContainerClient(cluster.StorageConnectionString, DeliveredContainer);
        await delivered.CreateIfNotExistsAsync();
        var generation = await GenerationAsync(id);
        foreach (var did in new[] { "did:plc:aaaaaaaaaaaaaaaaaaaaaaaa", "did:plc:bbbbbbbbbbbbbbbbbbbbbbbb" })
        {
            await delivered.UploadBlobAsync($"{id}/{generation}/{did}", BinaryData.FromBytes([1, 0]));
        }

        var neighbour = $"{id}-x/did:plc:cccccccccccccccccccccccc";
        await delivered.UploadBlobAsync(neighbour, BinaryData.FromBytes([1, 0]));
        Assert.Equal(2, await CountAsync(RepoTable, id));
        Assert.Equal(2, await CountBlobsAsync(delivered, id));

        using (var deleted = await client.Http.DeleteAsync($"/subscriptions/{id}?discard=true"))
        {
            Assert.Equal(HttpStatusCode.OK, deleted.StatusCode);
        }

        // Created again at once, and its own index written (as its first backfill would) before the removal is over.
        await client.CreateOkAsync(SubscriptionClient.Body(id, ["app.example.post"]));
        var again = await GenerationAsync(id);
        var kept = $"{id}/{again}/did:plc:aaaaaaaaaaaaaaaaaaaaaaaa";
        await delivered.UploadBlobAsync(kept, BinaryData.FromBytes([1, 0]));

        await Eventually.HoldsAsync(async () => await CountAsync(RepoTable, id) == 0 && await CountBlobsAsync(delivered, $"{id}/{generation}") == 0,
            TimeSpan.FromSeconds(60), "the backfill rows and index blobs to be removed");
        Assert.NotEqual(generation, again);
        Assert.True(await delivered.GetBlobClient(neighbour).ExistsAsync());
        Assert.True(await delivered.GetBlobClient(kept).ExistsAsync());
        await delivered.DeleteBlobAsync(neighbour);
        using (await client.Http.DeleteAsync($"/subscriptions/{id}?discard=true"))
        {
        }
    }

    private async Task<string> GenerationAsync(string id)
    {
        var store = new SubscriptionStore(new StorageConnection(cluster.StorageConnectionString),
            Microsoft.Extensions.Options.Options.Create(new SubscriptionOptions { Container = cluster.ApiSettings(null)["Subscriptions:Container"]! }));
        return Assert.IsType<string>((await store.GetAsync(id))!.Document.Generation);
    }

    private static async Task<int> CountBlobsAsync(BlobContainerClient container, string id)
    {
        var count = 0;
        await foreach (var _ in container.GetBlobsAsync(new Azure.Storage.Blobs.Models.GetBlobsOptions { Prefix = id + "/" }))
        {
            count++;
        }

        return count;
    }

    private async Task<int> CountAsync(string tableName, string id)
    {
        var table = new TableClient(cluster.StorageConnectionString, tableName);
        var filter = TableClient.CreateQueryFilter($"PartitionKey ge {id + "~"} and PartitionKey lt {id + "\u007f"}");
        var count = 0;
        await foreach (var _ in table.QueryAsync<TableEntity>(filter, select: ["RowKey"]))
        {
            count++;
        }

        return count;
    }
}
