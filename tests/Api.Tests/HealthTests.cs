using System.Net;
using System.Text.Json;
using Jetstream.TestSupport;

namespace Jetstream.Api.Tests;

[Collection(ApiClusterCollection.Name)]
public sealed class HealthTests(ApiClusterFixture cluster)
{
    [Fact]
    public async Task Health_keeps_the_original_shape_and_is_healthy_when_cluster_and_storage_answer()
    {
        using var http = cluster.Api.CreateHttpClient();
        using var response = await http.GetAsync("/health");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        using var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        var root = body.RootElement;
        Assert.Contains(root.GetProperty("status").GetString(), new[] { "healthy", "degraded" });
        Assert.False(string.IsNullOrEmpty(root.GetProperty("worker").GetString()));
        Assert.True(DateTimeOffset.TryParse(root.GetProperty("timestamp").GetString(), out _));
        Assert.Equal("healthy", root.GetProperty("checks").GetProperty("cluster").GetProperty("status").GetString());
    }

    [Fact]
    public async Task Ready_checks_cluster_and_storage()
    {
        using var http = cluster.Api.CreateHttpClient();
        using var response = await http.GetAsync("/health/ready");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        using var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        var checks = body.RootElement.GetProperty("checks");
        Assert.Equal("healthy", checks.GetProperty("cluster").GetProperty("status").GetString());
        Assert.Contains(checks.GetProperty("storage").GetProperty("status").GetString(), new[] { "healthy", "degraded" });
    }

    [Fact]
    public async Task Live_answers_without_checks()
    {
        using var http = cluster.Api.CreateHttpClient();
        using var response = await http.GetAsync("/health/live");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        using var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        Assert.Equal("healthy", body.RootElement.GetProperty("status").GetString());
        Assert.False(body.RootElement.TryGetProperty("checks", out _));
    }

    [Fact]
    public async Task Storage_outage_makes_ready_and_dead_letters_503_while_live_stays_200_and_stats_report_unknown_depth()
    {
        var deadPort = FreePort.Next();
        await using var api = cluster.StartApi(AdminTokens.Valid, new Dictionary<string, string?>
        {
            ["ConnectionStrings:AzureStorage"] = AzuriteProcess.ConnectionStringFor(deadPort, deadPort, deadPort),
        });
        using var http = api.CreateHttpClient();

        using var ready = await http.GetAsync("/health/ready");
        Assert.Equal(HttpStatusCode.ServiceUnavailable, ready.StatusCode);
        using (var body = JsonDocument.Parse(await ready.Content.ReadAsStringAsync()))
        {
            Assert.Equal("unhealthy", body.RootElement.GetProperty("status").GetString());
            Assert.Equal("unhealthy", body.RootElement.GetProperty("checks").GetProperty("storage").GetProperty("status").GetString());
            Assert.Equal("healthy", body.RootElement.GetProperty("checks").GetProperty("cluster").GetProperty("status").GetString());
        }

        using var live = await http.GetAsync("/health/live");
        Assert.Equal(HttpStatusCode.OK, live.StatusCode);

        using var deadLetters = await http.GetAsync("/deadletter");
        Assert.Equal(HttpStatusCode.ServiceUnavailable, deadLetters.StatusCode);
        Assert.NotNull(deadLetters.Headers.RetryAfter);
        using (var problem = JsonDocument.Parse(await deadLetters.Content.ReadAsStringAsync()))
        {
            Assert.Equal("Azure Storage is unavailable", problem.RootElement.GetProperty("title").GetString());
        }

        using var stats = await http.GetAsync("/stats");
        Assert.Equal(HttpStatusCode.OK, stats.StatusCode);
        using (var body = JsonDocument.Parse(await stats.Content.ReadAsStringAsync()))
        {
            Assert.Equal(JsonValueKind.Null, body.RootElement.GetProperty("queueDepth").ValueKind);
            Assert.Equal(JsonValueKind.Null, body.RootElement.GetProperty("deadLetterCount").ValueKind);
        }
    }
}
