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
/// Deleting a subscription removes its backfill's run rows and repair index (rows and blobs), and no other subscription's, nor
/// those of the subscription a script creates again at once with the same id.
/// </summary>
[Collection(ApiClusterCollection.Name)]
public sealed class BackfillCleanupTests(ApiClusterFixture cluster)
{
    // The silo's defaults (Backfill:RepoTable, Backfill:DeliveredTable, Backfill:DeliveredContainer).
    private const string RepoTable = "backfillrepos";
    private const string DeliveredTable = "backfilldelivered";
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

        // The repair index as a successful run leaves it: a row per repository (one naming a blob, as a large index's
        // does), and a neighbour whose id starts with this one's, which must stay. The content does not matter here.
        var rows = new TableClient(cluster.StorageConnectionString, DeliveredTable);
        await rows.CreateIfNotExistsAsync();
        var delivered = new BlobContainerClient(cluster.StorageConnectionString, DeliveredContainer);
        await delivered.CreateIfNotExistsAsync();
        var generation = await GenerationAsync(id);
        await rows.AddEntityAsync(new TableEntity($"{id}~{generation}", "did:plc:aaaaaaaaaaaaaaaaaaaaaaaa") { ["Index"] = new byte[] { 1, 0 } });
        var large = $"{id}/{generation}/did:plc:bbbbbbbbbbbbbbbbbbbbbbbb/attempt";
        await delivered.UploadBlobAsync(large, BinaryData.FromBytes([1, 0]));
        await rows.AddEntityAsync(new TableEntity($"{id}~{generation}", "did:plc:bbbbbbbbbbbbbbbbbbbbbbbb") { ["Blob"] = large });

        var neighbour = $"{id}-x/did:plc:cccccccccccccccccccccccc/attempt";
        await delivered.UploadBlobAsync(neighbour, BinaryData.FromBytes([1, 0]));
        await rows.AddEntityAsync(new TableEntity($"{id}-x", "did:plc:cccccccccccccccccccccccc") { ["Blob"] = neighbour });
        Assert.Equal(2, await CountAsync(RepoTable, id));
        Assert.Equal(2, await CountAsync(DeliveredTable, id));

        using (var deleted = await client.Http.DeleteAsync($"/subscriptions/{id}?discard=true"))
        {
            Assert.Equal(HttpStatusCode.OK, deleted.StatusCode);
        }

        // Created again at once, and its own index written (as its first backfill would) before the removal is over.
        await client.CreateOkAsync(SubscriptionClient.Body(id, ["app.example.post"]));
        var again = await GenerationAsync(id);
        await rows.AddEntityAsync(new TableEntity($"{id}~{again}", "did:plc:aaaaaaaaaaaaaaaaaaaaaaaa") { ["Index"] = new byte[] { 1, 0 } });

        await Eventually.HoldsAsync(async () => await CountAsync(RepoTable, id) == 0 && await CountAsync(DeliveredTable, id) == 1 && !await delivered.GetBlobClient(large).ExistsAsync(),
            TimeSpan.FromSeconds(60), "the backfill rows and the repair index to be removed");
        Assert.NotEqual(generation, again);
        Assert.True(await delivered.GetBlobClient(neighbour).ExistsAsync());
        Assert.True((await rows.GetEntityIfExistsAsync<TableEntity>($"{id}~{again}", "did:plc:aaaaaaaaaaaaaaaaaaaaaaaa")).HasValue);
        Assert.True((await rows.GetEntityIfExistsAsync<TableEntity>($"{id}-x", "did:plc:cccccccccccccccccccccccc")).HasValue);
        await delivered.DeleteBlobAsync(neighbour);
        await rows.DeleteEntityAsync($"{id}-x", "did:plc:cccccccccccccccccccccccc");
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
