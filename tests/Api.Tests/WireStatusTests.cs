using System.Text.Json;
using Jetstream.TestSupport;

namespace Jetstream.Api.Tests;

/// <summary>/stats, /status and the dashboard say which wire and compression carry the events, and how many bytes.</summary>
[Collection(ApiClusterCollection.Name)]
public sealed class WireStatusTests(ApiClusterFixture cluster)
{
    [Fact]
    public async Task Stats_status_and_dashboard_show_the_wire_the_compression_and_the_bytes()
    {
        using var http = cluster.Api.CreateHttpClient();
        await cluster.PublishAndWaitAsync([TestEvents.Commit("work.doing.task")]);

        using var stats = JsonDocument.Parse(await http.GetStringAsync("/stats"));
        using var status = JsonDocument.Parse(await http.GetStringAsync("/status"));
        foreach (var root in new[] { stats.RootElement, status.RootElement })
        {
            Assert.Equal("v1", root.GetProperty("wire").GetString());
            Assert.Equal("zstd (dictionary 1612007021)", root.GetProperty("compression").GetString());
            Assert.True(root.GetProperty("wireBytes").GetInt64() > 0);
            Assert.True(root.GetProperty("decodedBytes").GetInt64() > root.GetProperty("wireBytes").GetInt64());
            Assert.True(root.GetProperty("compressionRatio").GetDouble() > 1);
            Assert.Equal(JsonValueKind.Array, root.GetProperty("gaps").ValueKind);
        }

        // The original fields keep their names and meaning.
        Assert.Equal(JsonValueKind.Number, stats.RootElement.GetProperty("totalEvents").ValueKind);
        Assert.True(status.RootElement.GetProperty("connected").GetBoolean());

        var page = await http.GetStringAsync("/stats/html");
        Assert.Contains("data-testid=\"compression\">zstd (dictionary 1612007021)<", page);
        Assert.Contains("data-testid=\"wire\">v1<", page);
    }
}
