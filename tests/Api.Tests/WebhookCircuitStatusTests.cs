using System.Text.Json;
using Azure.Data.Tables;
using Jetstream.Storage;
using Jetstream.Storage.Circuits;
using Jetstream.Storage.Subscriptions;
using Microsoft.Extensions.Options;

namespace Jetstream.Api.Tests;

/// <summary>
/// /status, /stats and the dashboard show the webhook endpoint's circuit as the consumers report it: rows in the
/// circuit table (on Azurite), written here the way a consumer's reporter writes them.
/// </summary>
[Collection(ApiClusterCollection.Name)]
public sealed class WebhookCircuitStatusTests(ApiClusterFixture cluster)
{
    [Fact]
    public async Task Status_stats_and_dashboard_show_the_worst_current_circuit_state_since_when_and_its_last_error()
    {
        var store = new EndpointCircuitStore(new StorageConnection(cluster.StorageConnectionString), Options.Create(new SubscriptionOptions { CircuitTable = cluster.CircuitTable }));
        var now = DateTimeOffset.UtcNow;
        var since = now - TimeSpan.FromSeconds(40);
        await store.WriteAsync(Report("consumer-a", EndpointCircuitState.Open, since, now) with
        {
            LastError = "Connection error: Connection refused (hook.example.com:443)",
            LastErrorAt = now - TimeSpan.FromSeconds(2),
            NextProbeAt = now + TimeSpan.FromSeconds(8),
            ExpiresAt = now + TimeSpan.FromMinutes(3),
        });
        await store.WriteAsync(Report("consumer-b", EndpointCircuitState.Closed, now - TimeSpan.FromHours(1), now));

        // A consumer that died with its circuit open: past its expiry, it says nothing about the endpoint any more.
        await store.WriteAsync(Report("consumer-dead", EndpointCircuitState.Open, now - TimeSpan.FromHours(5), now - TimeSpan.FromHours(4)) with
        {
            LastError = "stale",
            ExpiresAt = now - TimeSpan.FromHours(4),
        });

        try
        {
            using var http = cluster.Api.CreateHttpClient();
            using var status = JsonDocument.Parse(await http.GetStringAsync("/status"));
            using var stats = JsonDocument.Parse(await http.GetStringAsync("/stats"));
            foreach (var root in new[] { status.RootElement, stats.RootElement })
            {
                var circuit = root.GetProperty("webhookCircuit");
                Assert.Equal("open", circuit.GetProperty("state").GetString());
                Assert.Equal(since, circuit.GetProperty("since").GetDateTimeOffset(), TimeSpan.FromMilliseconds(1));
                Assert.Equal("Connection error: Connection refused (hook.example.com:443)", circuit.GetProperty("lastError").GetString());
                Assert.True(circuit.GetProperty("nextProbeAt").GetDateTimeOffset() > now);
                Assert.Equal(2, circuit.GetProperty("consumers").GetInt32());
            }

            // The original keys first, unchanged; the circuit comes after them.
            var keys = status.RootElement.EnumerateObject().Select(p => p.Name).ToArray();
            Assert.Equal("connected", keys[0]);
            Assert.Equal("webhookCircuit", keys[^1]);

            var page = await http.GetStringAsync("/stats/html");
            Assert.Contains("data-testid=\"circuit-state\" data-state=\"open\">Circuit open: sending stopped<", page);
            Assert.Contains("Connection refused (hook.example.com:443)", page);
        }
        finally
        {
            foreach (var consumer in new[] { "consumer-a", "consumer-b", "consumer-dead" })
            {
                await store.DeleteAsync(SubscriptionDocument.DefaultId, consumer);
            }
        }

        using var after = JsonDocument.Parse(await cluster.Api.CreateHttpClient().GetStringAsync("/status"));
        Assert.Equal("closed", after.RootElement.GetProperty("webhookCircuit").GetProperty("state").GetString());
        await new TableClient(cluster.StorageConnectionString, cluster.CircuitTable).DeleteAsync();
    }

    private static EndpointCircuitReport Report(string consumer, EndpointCircuitState state, DateTimeOffset since, DateTimeOffset reportedAt) => new()
    {
        SubscriptionId = SubscriptionDocument.DefaultId,
        ConsumerId = consumer,
        State = state,
        Since = since,
        ReportedAt = reportedAt,
    };
}
