using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Azure.Data.Tables;
using Jetstream.TestSupport;

namespace Jetstream.Api.Tests;

/// <summary>Deleting a subscription removes its backfill's rows (run rows and repair index) and no other subscription's.</summary>
[Collection(ApiClusterCollection.Name)]
public sealed class BackfillCleanupTests(ApiClusterFixture cluster)
{
    // The silo's defaults (Backfill:RepoTable, Backfill:DeliveredTable).
    private const string RepoTable = "backfillrepos";
    private const string DeliveredTable = "backfilldelivered";

    [Fact]
    public async Task Deleting_a_subscription_removes_its_backfill_run_rows_and_repair_index_only()
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

        // The repair index as a successful run leaves it: 250 records over two repositories (more than a transaction),
        // and a neighbour whose id starts with this one's, which must stay.
        var delivered = new TableClient(cluster.StorageConnectionString, DeliveredTable);
        await delivered.CreateIfNotExistsAsync();
        foreach (var did in new[] { "did:plc:aaaaaaaaaaaaaaaaaaaaaaaa", "did:plc:bbbbbbbbbbbbbbbbbbbbbbbb" })
        {
            foreach (var chunk in Enumerable.Range(0, 125).Chunk(100))
            {
                await delivered.SubmitTransactionAsync(chunk.Select(i => new TableTransactionAction(TableTransactionActionType.UpsertReplace,
                    new TableEntity($"{id}~{did}", $"app.example.post|3k{i:D11}") { ["Cid"] = "bafy" + i })));
            }
        }

        var neighbour = $"{id}-x~did:plc:cccccccccccccccccccccccc";
        await delivered.UpsertEntityAsync(new TableEntity(neighbour, "app.example.post|3k00000000001") { ["Cid"] = "bafykept" });
        Assert.Equal(2, await CountAsync(RepoTable, id));
        Assert.Equal(250, await CountAsync(DeliveredTable, id));

        using (var deleted = await client.Http.DeleteAsync($"/subscriptions/{id}?discard=true"))
        {
            Assert.Equal(HttpStatusCode.OK, deleted.StatusCode);
        }

        await Eventually.HoldsAsync(async () => await CountAsync(RepoTable, id) == 0 && await CountAsync(DeliveredTable, id) == 0,
            TimeSpan.FromSeconds(60), "the backfill rows to be removed");
        Assert.Equal("bafykept", (await delivered.GetEntityAsync<TableEntity>(neighbour, "app.example.post|3k00000000001")).Value.GetString("Cid"));
        await delivered.DeleteEntityAsync(neighbour, "app.example.post|3k00000000001");
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
