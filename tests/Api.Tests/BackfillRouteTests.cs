using Jetstream.TestSupport;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Jetstream.Api.Tests;

/// <summary>
/// <c>/subscriptions/{id}/backfill</c> through the real Api and silo. The silo's relay and PLC are a closed local port
/// (ProcessorTestCluster's settings), so a run over DIDs ends with each repository failed saying why, and a run that
/// must list at the relay keeps running: enough to pin the routes, codes and JSON.
/// </summary>
[Collection(ApiClusterCollection.Name)]
public sealed class BackfillRouteTests(ApiClusterFixture cluster)
{
    [Fact]
    public async Task Start_answers_202_with_the_status_a_second_start_409_cancel_ends_it_and_get_shows_it()
    {
        using var client = new SubscriptionClient(cluster);
        var id = SubscriptionClient.NewId("bfrun");
        await client.CreateOkAsync(SubscriptionClient.Body(id, ["app.example.post"]));
        using var none = await client.Http.GetAsync($"/subscriptions/{id}/backfill");
        Assert.Equal(HttpStatusCode.NotFound, none.StatusCode);

        using var started = await client.Http.PostAsync($"/subscriptions/{id}/backfill", null);
        var status = JsonDocument.Parse(await started.Content.ReadAsStringAsync()).RootElement;
        using var again = await client.Http.PostAsync($"/subscriptions/{id}/backfill", null);
        using var cancelled = await client.Http.DeleteAsync($"/subscriptions/{id}/backfill");
        var read = await client.GetJsonAsync($"/subscriptions/{id}/backfill");

        Assert.Equal(HttpStatusCode.Accepted, started.StatusCode);
        Assert.Equal(["state", "startedAt", "completedAt", "repos", "records", "recordsPerSecond", "problems"], status.EnumerateObject().Select(p => p.Name));
        Assert.Equal(["total", "pending", "done", "skipped", "failed"], status.GetProperty("repos").EnumerateObject().Select(p => p.Name));
        Assert.Equal("running", status.GetProperty("state").GetString());
        Assert.Equal(HttpStatusCode.Conflict, again.StatusCode);
        Assert.Equal(HttpStatusCode.OK, cancelled.StatusCode);
        Assert.Equal("cancelled", read.GetProperty("state").GetString());
        Assert.NotEqual(JsonValueKind.Null, read.GetProperty("completedAt").ValueKind);
        await client.Http.DeleteAsync($"/subscriptions/{id}?discard=true");
    }

    [Fact]
    public async Task A_run_over_dids_reports_each_repository_with_its_reason()
    {
        using var client = new SubscriptionClient(cluster);
        var id = SubscriptionClient.NewId("bfdids");
        await client.CreateOkAsync(SubscriptionClient.Body(id, ["app.example.*"]));

        using var started = await client.Http.PostAsJsonAsync($"/subscriptions/{id}/backfill", new JsonObject { ["dids"] = new JsonArray("did:plc:aaaaaaaaaaaaaaaaaaaaaaaa", "did:plc:bbbbbbbbbbbbbbbbbbbbbbbb", "did:plc:aaaaaaaaaaaaaaaaaaaaaaaa") });
        Assert.Equal(HttpStatusCode.Accepted, started.StatusCode);
        JsonElement read = default;
        await Eventually.HoldsAsync(async () => (read = await client.GetJsonAsync($"/subscriptions/{id}/backfill")).GetProperty("state").GetString() == "completed",
            TimeSpan.FromSeconds(60), "the backfill to complete");

        Assert.Equal(2, read.GetProperty("repos").GetProperty("total").GetInt32());
        Assert.Equal(2, read.GetProperty("repos").GetProperty("failed").GetInt32());
        Assert.All(read.GetProperty("problems").EnumerateArray(), p =>
        {
            Assert.Equal("failed", p.GetProperty("state").GetString());
            Assert.Contains("could not be resolved", p.GetProperty("reason").GetString(), StringComparison.Ordinal);
        });
        await client.Http.DeleteAsync($"/subscriptions/{id}?discard=true");
    }

    [Fact]
    public async Task Bad_input_is_a_400_naming_the_field()
    {
        using var client = new SubscriptionClient(cluster);
        var prefixOnly = SubscriptionClient.NewId("bfprefix");
        await client.CreateOkAsync(SubscriptionClient.Body(prefixOnly, ["app.example.*"]));
        var backfillOnCreate = SubscriptionClient.Body(SubscriptionClient.NewId("bfcreate"), ["app.example.*"]);
        backfillOnCreate["backfill"] = true;
        var prefixCollections = SubscriptionClient.Body(SubscriptionClient.NewId("bfcols"), ["app.example.*"]);
        prefixCollections["backfillCollections"] = new JsonArray("app.example.*");

        using var nothing = await client.Http.PostAsync($"/subscriptions/{prefixOnly}/backfill", null);
        using var badDid = await client.Http.PostAsJsonAsync($"/subscriptions/{prefixOnly}/backfill", new JsonObject { ["dids"] = new JsonArray("did:plc:ok", "not-a-did") });
        using var unknown = await client.Http.PostAsJsonAsync($"/subscriptions/{prefixOnly}/backfill", new JsonObject { ["did"] = "x" });
        using var created = await client.CreateAsync(backfillOnCreate);
        using var collections = await client.CreateAsync(prefixCollections);
        using var missing = await client.Http.PostAsync("/subscriptions/no-such-sub/backfill", null);

        await AssertNamesAsync(nothing, "backfillCollections");
        await AssertNamesAsync(badDid, "dids[1]");
        await AssertNamesAsync(unknown, "did");
        await AssertNamesAsync(created, "backfillCollections");
        await AssertNamesAsync(collections, "backfillCollections[0]");
        Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);
        await client.Http.DeleteAsync($"/subscriptions/{prefixOnly}?discard=true");
    }

    [Fact]
    public async Task Create_with_backfill_true_starts_one_and_the_routes_need_the_admin_token()
    {
        using var client = new SubscriptionClient(cluster);
        var id = SubscriptionClient.NewId("bfnew");
        var body = SubscriptionClient.Body(id, ["app.example.post"]);
        body["backfill"] = true;
        body["backfillCollections"] = new JsonArray("app.example.profile");

        var created = await client.CreateOkAsync(body);
        var status = await client.GetJsonAsync($"/subscriptions/{id}/backfill");
        using var plain = cluster.Api.CreateHttpClient();
        using var anonymous = await plain.GetAsync($"/subscriptions/{id}/backfill");

        Assert.Equal(["app.example.profile"], created.GetProperty("backfillCollections").EnumerateArray().Select(e => e.GetString()));
        Assert.Equal("running", status.GetProperty("state").GetString());
        Assert.Equal(HttpStatusCode.Unauthorized, anonymous.StatusCode);
        await client.Http.DeleteAsync($"/subscriptions/{id}/backfill");
        await client.Http.DeleteAsync($"/subscriptions/{id}?discard=true");
    }

    private static async Task AssertNamesAsync(HttpResponseMessage response, string field)
    {
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.BadRequest, $"{response.StatusCode}: {text}");
        Assert.True(JsonDocument.Parse(text).RootElement.GetProperty("errors").TryGetProperty(field, out _), text);
    }
}
