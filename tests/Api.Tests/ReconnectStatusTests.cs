using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using Jetstream.TestSupport;

namespace Jetstream.Api.Tests;

/// <summary>
/// The original reported "disconnected" after a reconnect while events flowed. Here /status is compared with the
/// server's side of the socket: the emulator's count of open connections.
/// </summary>
[Collection(ApiClusterCollection.Name)]
public sealed class ReconnectStatusTests(ApiClusterFixture cluster)
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(20);

    [Fact]
    public async Task After_reconnect_status_reports_the_new_open_socket()
    {
        using var http = cluster.Api.CreateHttpClient();
        var emulator = cluster.Emulator!;
        await Eventually.HoldsAsync(async () => (await StatusAsync(http)).GetProperty("connected").GetBoolean(), Timeout, "a connected processor");
        var before = await StatusAsync(http);
        var accepted = emulator.ConnectionsAccepted;

        using (var response = await PostReconnectAsync(http))
        {
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        }

        await Eventually.HoldsAsync(
            async () => emulator.ConnectionsAccepted > accepted && emulator.ActiveConnections == 1 && (await StatusAsync(http)).GetProperty("connected").GetBoolean(),
            Timeout,
            "a new connection, open on both sides");
        var after = await StatusAsync(http);
        Assert.Equal(1, after.GetProperty("readyState").GetInt32());
        Assert.Equal("connected", after.GetProperty("state").GetString());
        Assert.Equal(0, after.GetProperty("reconnectAttempts").GetInt32());
        Assert.True(Time(after, "connectedSince") > Time(before, "connectedSince"));

        await cluster.PublishAndWaitAsync([TestEvents.Commit("work.doing.task")]);
        Assert.True((await StatusAsync(http)).GetProperty("connected").GetBoolean());
        Assert.Equal(1, emulator.ActiveConnections);
    }

    [Fact]
    public async Task While_the_endpoint_is_down_status_says_so_and_after_it_returns_reports_the_connection()
    {
        using var http = cluster.Api.CreateHttpClient();
        await Eventually.HoldsAsync(async () => (await StatusAsync(http)).GetProperty("connected").GetBoolean(), Timeout, "a connected processor");
        await cluster.StopEmulatorAsync();
        try
        {
            using (var response = await PostReconnectAsync(http))
            {
                Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            }

            await Eventually.HoldsAsync(
                async () =>
                {
                    var status = await StatusAsync(http);
                    return !status.GetProperty("connected").GetBoolean()
                           && status.GetProperty("reconnectAttempts").GetInt32() >= 1
                           && status.GetProperty("lastError").ValueKind == JsonValueKind.String;
                },
                Timeout,
                "status to report the failed attempts");
            var during = await StatusAsync(http);
            Assert.NotEqual(1, during.GetProperty("readyState").GetInt32());
            Assert.Contains(during.GetProperty("state").GetString(), new[] { "connecting", "backoff" });
        }
        finally
        {
            await cluster.StartEmulatorAsync();
        }

        await Eventually.HoldsAsync(
            async () => cluster.Emulator!.ActiveConnections == 1 && (await StatusAsync(http)).GetProperty("connected").GetBoolean(),
            Timeout,
            "the processor to reconnect once the endpoint is back");
        var after = await StatusAsync(http);
        Assert.Equal(1, after.GetProperty("readyState").GetInt32());
        Assert.Equal("connected", after.GetProperty("state").GetString());
    }

    private static async Task<HttpResponseMessage> PostReconnectAsync(HttpClient http)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/reconnect");
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", AdminTokens.Valid);
        return await http.SendAsync(request);
    }

    private static async Task<JsonElement> StatusAsync(HttpClient http)
    {
        using var document = JsonDocument.Parse(await http.GetStringAsync("/status"));
        return document.RootElement.Clone();
    }

    private static DateTimeOffset Time(JsonElement status, string name) =>
        DateTimeOffset.Parse(status.GetProperty(name).GetString()!, CultureInfo.InvariantCulture);
}
