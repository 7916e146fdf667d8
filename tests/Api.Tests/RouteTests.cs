using System.Net;
using System.Text.Json;
using Jetstream.Grains.Interfaces;

namespace Jetstream.Api.Tests;

[Collection(ApiClusterCollection.Name)]
public sealed class RouteTests(ApiClusterFixture cluster)
{
    private static readonly string[] StateNames =
        ["stopped", "connecting", "connected", "backoff", "pausedQueueUnavailable", "configurationError"];

    [Fact]
    public async Task Root_lists_every_route_with_a_description()
    {
        using var http = cluster.Api.CreateHttpClient();
        using var response = await http.GetAsync("/");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        using var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        Assert.Equal(IndexEndpoints.Message, body.RootElement.GetProperty("message").GetString());
        var endpoints = body.RootElement.GetProperty("endpoints").EnumerateObject().ToDictionary(p => p.Name, p => p.Value.GetString());
        string[] expected =
        [
            "/", "/stats", "/stats/html", "/status", "/health", "/health/live", "/health/ready",
            "POST /reset", "POST /reconnect", "/deadletter", "POST /deadletter/redrive", "/dashboard", "/metrics", "/openapi/v1.json",
            "/subscriptions", "POST /subscriptions", "/subscriptions/{id}", "PUT /subscriptions/{id}", "DELETE /subscriptions/{id}",
            "POST /subscriptions/{id}/pause", "POST /subscriptions/{id}/resume", "POST /subscriptions/{id}/replay",
            "/subscriptions/{id}/stats", "/subscriptions/{id}/status", "/subscriptions/{id}/stats/html",
            "POST /subscriptions/{id}/reset", "POST /subscriptions/{id}/reconnect",
            "POST /subscriptions/{id}/backfill", "/subscriptions/{id}/backfill", "DELETE /subscriptions/{id}/backfill",
        ];
        Assert.Equal(expected.Order(StringComparer.Ordinal), endpoints.Keys.Order(StringComparer.Ordinal));
        Assert.All(endpoints.Values, description => Assert.False(string.IsNullOrWhiteSpace(description)));
    }

    [Fact]
    public async Task Stats_keeps_the_original_keys_and_adds_rate_lag_queue_depth_and_dead_letters()
    {
        await cluster.PublishAndWaitAsync([TestEvents.Commit("work.doing.task"), TestEvents.Commit("blue.2048.game"), TestEvents.Identity()]);
        using var http = cluster.Api.CreateHttpClient();
        using var response = await http.GetAsync("/stats");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        using var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        var root = body.RootElement;
        var grainStats = await cluster.Processor.GetStats();

        Assert.Equal(grainStats.Cursor, root.GetProperty("cursor").GetInt64());
        Assert.Equal(JsonValueKind.Object, root.GetProperty("eventCounts").ValueKind);
        Assert.Equal(grainStats.EventCounts.Count, root.GetProperty("eventCounts").EnumerateObject().Count());
        foreach (var (collection, count) in grainStats.EventCounts)
        {
            Assert.Equal(count, root.GetProperty("eventCounts").GetProperty(collection).GetInt64());
        }

        Assert.True(root.GetProperty("totalEvents").GetInt64() >= grainStats.TotalEvents);
        Assert.True(root.GetProperty("totalReceived").GetInt64() >= grainStats.TotalReceived);
        Assert.Equal(grainStats.LastEventTime, DateTimeOffset.Parse(root.GetProperty("lastEventTime").GetString()!, System.Globalization.CultureInfo.InvariantCulture));
        Assert.Equal(JsonValueKind.Number, root.GetProperty("eventsPerSecond").ValueKind);
        Assert.InRange(root.GetProperty("lagSeconds").GetDouble(), 0, 60);
        Assert.True(root.GetProperty("queueDepth").GetInt64() > 0, "the published commits wait in the queue (no consumer runs here)");
        Assert.True(root.GetProperty("deadLetterCount").GetInt64() >= 0);
        foreach (var counter in new[] { "queuedEvents", "parseErrors", "skippedIdentityEvents", "skippedAccountEvents", "duplicatesDropped", "reconnects" })
        {
            Assert.Equal(JsonValueKind.Number, root.GetProperty(counter).ValueKind);
        }

        Assert.Equal(JsonValueKind.Array, root.GetProperty("recentMinutes").ValueKind);
    }

    [Fact]
    public async Task Status_reports_the_grains_connection_with_the_original_keys()
    {
        using var http = cluster.Api.CreateHttpClient();
        using var response = await http.GetAsync("/status");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        using var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        var root = body.RootElement;
        var grainStatus = await cluster.Processor.GetStatus();

        Assert.Equal(grainStatus.Connected, root.GetProperty("connected").GetBoolean());
        var readyState = root.GetProperty("readyState").GetInt32();
        Assert.InRange(readyState, 0, 3);
        Assert.Equal(grainStatus.ReadyState, readyState);
        Assert.Contains(root.GetProperty("state").GetString(), StateNames);
        Assert.Equal(StateName(grainStatus.State), root.GetProperty("state").GetString());
        foreach (var key in new[] { "endpoint", "connectedSince", "lastMessageAt", "reconnectAttempts", "lastError", "cursor", "lagSeconds" })
        {
            Assert.True(root.TryGetProperty(key, out _), $"/status lacks '{key}'");
        }
    }

    [Theory]
    [InlineData("/nope")]
    [InlineData("/stats/nope")]
    [InlineData("/statistics")]
    public async Task Unknown_paths_answer_404(string path)
    {
        using var http = cluster.Api.CreateHttpClient();
        using var response = await http.GetAsync(path);

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
    }

    [Theory]
    [InlineData("POST", "/stats", "GET")]
    [InlineData("DELETE", "/status", "GET")]
    [InlineData("PUT", "/stats/html", "GET")]
    [InlineData("GET", "/reset", "POST")]
    [InlineData("GET", "/reconnect", "POST")]
    [InlineData("POST", "/health", "GET")]
    [InlineData("DELETE", "/deadletter", "GET")]
    [InlineData("GET", "/deadletter/redrive", "POST")]
    public async Task Wrong_methods_answer_405_with_Allow(string method, string path, string allowed)
    {
        using var http = cluster.Api.CreateHttpClient();
        using var request = new HttpRequestMessage(new HttpMethod(method), path);
        request.Headers.Authorization = new("Bearer", AdminTokens.Valid);
        using var response = await http.SendAsync(request);

        Assert.Equal(HttpStatusCode.MethodNotAllowed, response.StatusCode);
        Assert.Equal([allowed], response.Content.Headers.Allow);
    }

    private static string StateName(ConnectionState state) => JsonNamingPolicy.CamelCase.ConvertName(state.ToString());

    private static void AssertNumberOrNull(JsonElement root, string name)
    {
        var kind = root.GetProperty(name).ValueKind;
        Assert.True(kind is JsonValueKind.Number or JsonValueKind.Null, $"{name} is {kind}");
    }
}
