using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Jetstream.EventQueue;
using Microsoft.Extensions.DependencyInjection;

namespace Jetstream.Api.Tests;

[Collection(ApiClusterCollection.Name)]
public sealed class DeadLetterTests(ApiClusterFixture cluster)
{
    [Fact]
    public async Task Dead_letters_are_counted_peeked_and_redriven_one_by_id_then_all()
    {
        var deadLetters = cluster.Api.Services.GetRequiredService<DeadLetterQueue>();
        var queue = cluster.Api.Services.GetRequiredService<EventQueueClients>().Queue;
        var ids = new List<string>();
        for (var i = 0; i < 3; i++)
        {
            var deadLetter = DeadLetter();
            await deadLetters.AddAsync(deadLetter);
            ids.Add(deadLetter.EventId);
        }

        using var http = cluster.Api.CreateHttpClient();
        using (var listing = await GetJsonAsync(http, "/deadletter?peek=2"))
        {
            Assert.Equal(3, listing.RootElement.GetProperty("count").GetInt32());
            var messages = listing.RootElement.GetProperty("messages").EnumerateArray().ToList();
            Assert.Equal(2, messages.Count);
            Assert.All(messages, m =>
            {
                Assert.Contains(m.GetProperty("eventId").GetString(), ids);
                Assert.Equal(7, m.GetProperty("attempts").GetInt32());
                Assert.Equal(500, m.GetProperty("lastStatus").GetInt32());
                Assert.Equal("HTTP 500 Internal Server Error", m.GetProperty("lastError").GetString());
                Assert.False(string.IsNullOrEmpty(m.GetProperty("messageId").GetString()));
            });
        }

        using (var stats = await GetJsonAsync(http, "/stats"))
        {
            Assert.Equal(3, stats.RootElement.GetProperty("deadLetterCount").GetInt64());
        }

        using (var unauthorized = await http.PostAsync($"/deadletter/redrive?id={ids[0]}", null))
        {
            Assert.Equal(HttpStatusCode.Unauthorized, unauthorized.StatusCode);
        }

        Assert.Equal(3, await deadLetters.CountAsync());
        var depthBefore = (await queue.GetPropertiesAsync()).Value.ApproximateMessagesCount;
        using (var one = await RedriveAsync(http, $"?id={ids[0]}"))
        {
            Assert.Equal(HttpStatusCode.OK, one.StatusCode);
            Assert.Equal("""{"message":"Dead letter redriven","moved":1}""", Compact(await one.Content.ReadAsStringAsync()));
        }

        Assert.Equal(depthBefore + 1, (await queue.GetPropertiesAsync()).Value.ApproximateMessagesCount);
        using (var listing = await GetJsonAsync(http, "/deadletter"))
        {
            Assert.Equal(2, listing.RootElement.GetProperty("count").GetInt32());
            var remaining = listing.RootElement.GetProperty("messages").EnumerateArray().Select(m => m.GetProperty("eventId").GetString()).ToList();
            Assert.Equal(ids.Skip(1).Order(StringComparer.Ordinal), remaining.Order(StringComparer.Ordinal));
        }

        using (var unknown = await RedriveAsync(http, "?id=evt_00000000000000000000000000000000"))
        {
            Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);
        }

        using (var all = await RedriveAsync(http, string.Empty))
        {
            Assert.Equal(HttpStatusCode.OK, all.StatusCode);
            Assert.Equal("""{"message":"Dead letters redriven","moved":2}""", Compact(await all.Content.ReadAsStringAsync()));
        }

        using (var listing = await GetJsonAsync(http, "/deadletter"))
        {
            Assert.Equal(0, listing.RootElement.GetProperty("count").GetInt32());
            Assert.Empty(listing.RootElement.GetProperty("messages").EnumerateArray());
        }

        Assert.Equal(depthBefore + 3, (await queue.GetPropertiesAsync()).Value.ApproximateMessagesCount);
    }

    [Theory]
    [InlineData("0")]
    [InlineData("33")]
    [InlineData("-1")]
    [InlineData("ten")]
    public async Task A_bad_peek_is_400_naming_the_parameter(string peek)
    {
        using var http = cluster.Api.CreateHttpClient();
        using var response = await http.GetAsync($"/deadletter?peek={peek}");

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        using var problem = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        Assert.Contains("'peek'", problem.RootElement.GetProperty("detail").GetString(), StringComparison.Ordinal);
    }

    private static QueuedEvent DeadLetter()
    {
        var json = TestEvents.Commit("work.doing.task");
        var now = DateTimeOffset.UtcNow;
        return new QueuedEvent
        {
            EventId = "evt_" + Guid.NewGuid().ToString("N"),
            QueuedAt = now.AddHours(-25),
            Did = "did:plc:apitest0",
            TimeUs = now.AddHours(-25).ToUnixTimeMilliseconds() * 1000,
            EventJson = Encoding.UTF8.GetBytes(json),
            Attempts = 7,
            FirstAttemptAt = now.AddHours(-25),
            LastStatus = 500,
            LastError = "HTTP 500 Internal Server Error",
        };
    }

    private static async Task<HttpResponseMessage> RedriveAsync(HttpClient http, string query)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/deadletter/redrive" + query);
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", AdminTokens.Valid);
        return await http.SendAsync(request);
    }

    private static async Task<JsonDocument> GetJsonAsync(HttpClient http, string path)
    {
        using var response = await http.GetAsync(path);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return JsonDocument.Parse(await response.Content.ReadAsStringAsync());
    }

    private static string Compact(string json) => JsonSerializer.Serialize(JsonDocument.Parse(json).RootElement);
}
