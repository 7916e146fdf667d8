using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Jetstream.Api.Tests;

/// <summary>Subscriptions created and changed over the Api while the cluster runs, against the real silo and emulator.</summary>
[Collection(ApiClusterCollection.Name)]
public sealed class SubscriptionTests(ApiClusterFixture cluster)
{
    private const string Secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
    private const string BearerToken = "tok-9f2d8c1b7a6e5d4c3b2a";

    [Fact]
    public async Task Create_answers_201_with_Location_and_shows_how_many_secrets_but_never_them()
    {
        using var client = new SubscriptionClient(cluster);
        var id = SubscriptionClient.NewId("created");
        var body = SubscriptionClient.Body(id, ["app.example.one"]);
        body["webhook"]!["secrets"] = new JsonArray(Secret, "whsec_" + Convert.ToBase64String(new byte[32]));
        body["webhook"]!["bearerToken"] = BearerToken;

        using var created = await client.CreateAsync(body);
        var createdText = await created.Content.ReadAsStringAsync();
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        Assert.Equal("/subscriptions/" + id, created.Headers.Location?.OriginalString);
        using var again = await client.CreateAsync(body);
        Assert.Equal(HttpStatusCode.Conflict, again.StatusCode);

        var one = await client.GetJsonAsync("/subscriptions/" + id);
        using var listResponse = await client.Http.GetAsync("/subscriptions");
        var listText = await listResponse.Content.ReadAsStringAsync();
        var webhook = one.GetProperty("webhook");
        Assert.Equal(2, webhook.GetProperty("secretCount").GetInt32());
        Assert.True(webhook.GetProperty("hasBearerToken").GetBoolean());
        Assert.Contains(JsonDocument.Parse(listText).RootElement.GetProperty("subscriptions").EnumerateArray(), s => s.GetProperty("id").GetString() == id);
        foreach (var text in new[] { createdText, one.GetRawText(), listText })
        {
            Assert.DoesNotContain(Secret, text, StringComparison.Ordinal);
            Assert.DoesNotContain(Secret["whsec_".Length..], text, StringComparison.Ordinal);
            Assert.DoesNotContain(BearerToken, text, StringComparison.Ordinal);
        }

        await client.Http.DeleteAsync($"/subscriptions/{id}?discard=true");
    }

    [Fact]
    public async Task Batch_limits_are_stored_and_shown_only_when_a_webhook_sets_them()
    {
        using var client = new SubscriptionClient(cluster);
        var batched = SubscriptionClient.NewId("batched");
        var plain = SubscriptionClient.NewId("plain");
        var body = SubscriptionClient.Body(batched, ["app.example.one"]);
        body["webhook"]!["batchMaxEvents"] = 100;
        body["webhook"]!["batchMaxBytes"] = 262144;
        body["webhook"]!["batchMaxWaitMs"] = 50;
        using var created = await client.CreateAsync(body);
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        using var createdPlain = await client.CreateAsync(SubscriptionClient.Body(plain, ["app.example.one"]));

        var webhook = (await client.GetJsonAsync("/subscriptions/" + batched)).GetProperty("webhook");
        Assert.Equal((100, 262144, 50), (webhook.GetProperty("batchMaxEvents").GetInt32(), webhook.GetProperty("batchMaxBytes").GetInt32(), webhook.GetProperty("batchMaxWaitMs").GetInt32()));
        var plainWebhook = (await client.GetJsonAsync("/subscriptions/" + plain)).GetProperty("webhook");
        Assert.Equal(["url", "secretCount", "hasBearerToken", "timeoutSeconds"], plainWebhook.EnumerateObject().Select(p => p.Name));

        await client.Http.DeleteAsync($"/subscriptions/{batched}?discard=true");
        await client.Http.DeleteAsync($"/subscriptions/{plain}?discard=true");
    }

    [Fact]
    public async Task Max_requests_per_second_is_stored_shown_and_changed_by_put()
    {
        using var client = new SubscriptionClient(cluster);
        var id = SubscriptionClient.NewId("limited");
        var body = SubscriptionClient.Body(id, ["app.example.one"]);
        body["webhook"]!["maxRequestsPerSecond"] = 25;
        using var created = await client.CreateAsync(body);
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        Assert.Equal(25, (await client.GetJsonAsync("/subscriptions/" + id)).GetProperty("webhook").GetProperty("maxRequestsPerSecond").GetInt32());

        body["webhook"]!["maxRequestsPerSecond"] = 3;
        using (var replaced = await client.Http.PutAsJsonAsync("/subscriptions/" + id, body))
        {
            Assert.Equal(HttpStatusCode.OK, replaced.StatusCode);
        }

        Assert.Equal(3, (await client.GetJsonAsync("/subscriptions/" + id)).GetProperty("webhook").GetProperty("maxRequestsPerSecond").GetInt32());

        // Left out of a PUT, like the other optional webhook settings: no limit.
        body["webhook"]!.AsObject().Remove("maxRequestsPerSecond");
        (await client.Http.PutAsJsonAsync("/subscriptions/" + id, body)).Dispose();
        Assert.False((await client.GetJsonAsync("/subscriptions/" + id)).GetProperty("webhook").TryGetProperty("maxRequestsPerSecond", out _));
        await client.Http.DeleteAsync($"/subscriptions/{id}?discard=true");
    }

    [Fact]
    public async Task Secrets_and_tokens_appear_in_no_log_line_at_any_level()
    {
        await using var api = cluster.StartApi(AdminTokens.Valid, new Dictionary<string, string?> { ["Logging:LogLevel:Default"] = "Trace" }, captureLogs: true);
        using var http = SubscriptionClient.Authorized(api.CreateHttpClient());
        var id = SubscriptionClient.NewId("logs");
        var body = SubscriptionClient.Body(id, ["app.example.logged"]);
        body["webhook"]!["secrets"] = new JsonArray(Secret);
        body["webhook"]!["bearerToken"] = BearerToken;

        using (var created = await http.PostAsJsonAsync("/subscriptions", body))
        {
            Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        }

        body["webhook"]!["secrets"] = new JsonArray(Secret + "!");
        using (var refused = await http.PutAsJsonAsync("/subscriptions/" + id, body))
        {
            Assert.Equal(HttpStatusCode.BadRequest, refused.StatusCode);
        }

        (await http.GetAsync("/subscriptions/" + id)).Dispose();
        (await http.DeleteAsync($"/subscriptions/{id}?discard=true")).Dispose();

        Assert.Contains(api.Logs, line => line.Contains(id, StringComparison.Ordinal));
        Assert.DoesNotContain(api.Logs, line => line.Contains(Secret["whsec_".Length..], StringComparison.Ordinal));
        Assert.DoesNotContain(api.Logs, line => line.Contains(BearerToken, StringComparison.Ordinal));
    }

    [Fact]
    public async Task Subscription_routes_need_the_admin_token_for_reads_too()
    {
        using var http = cluster.Api.CreateHttpClient();
        using var list = await http.GetAsync("/subscriptions");
        using var one = await http.GetAsync("/subscriptions/default");
        Assert.Equal(HttpStatusCode.Unauthorized, list.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, one.StatusCode);
    }

    [Theory]
    [InlineData("""{"id":"Bad_Id","webhook":{"url":"http://127.0.0.1:9/"}}""", "id")]
    [InlineData("""{"id":"ok-id","wantedCollections":["app.*.post"],"webhook":{"url":"http://127.0.0.1:9/"}}""", "wantedCollections[0]")]
    [InlineData("""{"id":"ok-id","wantedDids":["did:plc:ok","not-a-did"],"webhook":{"url":"http://127.0.0.1:9/"}}""", "wantedDids[1]")]
    [InlineData("""{"id":"ok-id","forwardKinds":["commit","sync"],"webhook":{"url":"http://127.0.0.1:9/"}}""", "forwardKinds[1]")]
    [InlineData("""{"id":"ok-id","endpoints":["https://example.com/subscribe"],"webhook":{"url":"http://127.0.0.1:9/"}}""", "endpoints[0]")]
    [InlineData("""{"id":"ok-id","webhook":{"url":"ftp://example.com/"}}""", "webhook.url")]
    [InlineData("""{"id":"ok-id"}""", "webhook")]
    [InlineData("""{"id":"ok-id","webhook":{"url":"http://127.0.0.1:9/","secrets":["whsec_not base64!"]}}""", "webhook.secrets[0]")]
    [InlineData("""{"id":"ok-id","webhook":{"url":"http://127.0.0.1:9/","timeoutSeconds":0}}""", "webhook.timeoutSeconds")]
    [InlineData("""{"id":"ok-id","webhook":{"url":"http://127.0.0.1:9/","batchMaxEvents":0}}""", "webhook.batchMaxEvents")]
    [InlineData("""{"id":"ok-id","webhook":{"url":"http://127.0.0.1:9/","batchMaxBytes":100}}""", "webhook.batchMaxBytes")]
    [InlineData("""{"id":"ok-id","webhook":{"url":"http://127.0.0.1:9/","batchMaxWaitMs":60000}}""", "webhook.batchMaxWaitMs")]
    [InlineData("""{"id":"ok-id","webhook":{"url":"http://127.0.0.1:9/","maxRequestsPerSecond":0}}""", "webhook.maxRequestsPerSecond")]
    [InlineData("""{"id":"ok-id","webhook":{"url":"http://127.0.0.1:9/","maxRequestsPerSecond":10001}}""", "webhook.maxRequestsPerSecond")]
    [InlineData("""{"id":"ok-id","wantedCollection":["typo.in.name"],"webhook":{"url":"http://127.0.0.1:9/"}}""", "wantedCollection")]
    [InlineData("""{"id":"ok-id","wantedCollections":"app.bsky.feed.post"}""", "wantedCollections")]
    [InlineData("""{"id":"ok-id",""", "$")]
    public async Task A_bad_request_is_a_problem_details_400_naming_the_field_and_creates_nothing(string body, string field)
    {
        using var client = new SubscriptionClient(cluster);
        using var content = new StringContent(body, System.Text.Encoding.UTF8, "application/json");
        using var response = await client.Http.PostAsync("/subscriptions", content);
        var text = await response.Content.ReadAsStringAsync();

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var errors = JsonDocument.Parse(text).RootElement.GetProperty("errors");
        Assert.True(errors.TryGetProperty(field, out _), $"no error for '{field}' in {text}");
        Assert.DoesNotContain("not base64!", text, StringComparison.Ordinal);
        using var lookup = await client.Http.GetAsync("/subscriptions/ok-id");
        Assert.Equal(HttpStatusCode.NotFound, lookup.StatusCode);
    }

    [Fact]
    public async Task A_webhook_on_a_private_network_is_refused_unless_allowed()
    {
        await using var strict = cluster.StartApi(AdminTokens.Valid, new Dictionary<string, string?> { ["Webhook:AllowPrivateNetworks"] = "false" });
        using var http = SubscriptionClient.Authorized(strict.CreateHttpClient());
        foreach (var url in new[] { "http://127.0.0.1:8080/hook", "http://169.254.169.254/latest/meta-data", "http://10.1.2.3/", "http://[::1]/", "http://localhost/" })
        {
            using var response = await http.PostAsJsonAsync("/subscriptions", new JsonObject { ["id"] = SubscriptionClient.NewId("ssrf"), ["webhook"] = new JsonObject { ["url"] = url } });
            var text = await response.Content.ReadAsStringAsync();
            Assert.True(response.StatusCode == HttpStatusCode.BadRequest, $"{url}: {(int)response.StatusCode} {text}");
            Assert.Contains("Webhook:AllowPrivateNetworks", JsonDocument.Parse(text).RootElement.GetProperty("errors").GetProperty("webhook.url")[0].GetString(), StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task The_OpenAPI_document_describes_the_subscription_routes_and_the_admin_scheme()
    {
        using var http = cluster.Api.CreateHttpClient();
        var document = JsonDocument.Parse(await http.GetStringAsync("/openapi/v1.json")).RootElement;
        var paths = document.GetProperty("paths");
        Assert.True(paths.GetProperty("/subscriptions").TryGetProperty("post", out var post));
        Assert.True(post.GetProperty("requestBody").GetProperty("content").TryGetProperty("application/json", out _));
        Assert.True(paths.GetProperty("/subscriptions/{id}/replay").TryGetProperty("post", out _));
        Assert.Equal("bearer", document.GetProperty("components").GetProperty("securitySchemes").GetProperty("adminToken").GetProperty("scheme").GetString());
        Assert.True(post.TryGetProperty("security", out _));
        Assert.True(document.GetProperty("components").GetProperty("schemas").TryGetProperty("SubscriptionResponse", out _));
    }

    [Fact]
    public async Task The_OpenAPI_document_describes_the_backfill_routes_and_fields()
    {
        using var http = cluster.Api.CreateHttpClient();
        var document = JsonDocument.Parse(await http.GetStringAsync("/openapi/v1.json")).RootElement;
        var backfill = document.GetProperty("paths").GetProperty("/subscriptions/{id}/backfill");
        Assert.Equal(["delete", "get", "post"], backfill.EnumerateObject().Select(p => p.Name).Where(n => n is "get" or "post" or "delete").Order());
        Assert.True(backfill.GetProperty("post").GetProperty("responses").TryGetProperty("202", out _));
        Assert.True(backfill.GetProperty("post").GetProperty("requestBody").GetProperty("content").TryGetProperty("application/json", out _));

        var schemas = document.GetProperty("components").GetProperty("schemas");
        var request = schemas.GetProperty("SubscriptionRequest").GetProperty("properties");
        Assert.True(request.TryGetProperty("backfill", out _));
        Assert.True(request.TryGetProperty("backfillCollections", out _));
        Assert.True(schemas.GetProperty("WebhookRequest").GetProperty("properties").TryGetProperty("maxRequestsPerSecond", out _));
        Assert.True(schemas.GetProperty("WebhookResponse").GetProperty("properties").TryGetProperty("maxRequestsPerSecond", out _));
        Assert.True(schemas.GetProperty("BackfillResponse").GetProperty("properties").TryGetProperty("repos", out _));
        Assert.True(schemas.GetProperty("BackfillRequest").GetProperty("properties").TryGetProperty("dids", out _));
    }
}
