using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Jetstream.Storage;
using Jetstream.TestSupport;
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

    [Fact]
    public async Task Dead_letters_of_v2_messages_are_readable_through_the_peek_and_redriven_as_v1_byte_for_byte()
    {
        var deadLetters = cluster.Api.Services.GetRequiredService<DeadLetterQueue>();
        var clients = cluster.Api.Services.GetRequiredService<EventQueueClients>();
        var now = DateTimeOffset.UtcNow;
        var events = Enumerable.Range(0, 150).Select(i =>
        {
            var did = $"did:plc:apiv2{i % 9}";
            return new QueuedEvent
            {
                EventId = "evt_" + Guid.NewGuid().ToString("N"),
                QueuedAt = now,
                Did = did,
                TimeUs = (now.ToUnixTimeMilliseconds() * 1000) + i,
                EventJson = MultiByteEvents.Commit(did, i, i, 500 + (i * 7)),
            };
        }).ToList();

        // An event that came in a v2 message and spent its schedule, dead-lettered as the consumer does it.
        var fromV2 = QueueMessageCodec.Decode(QueueMessageCodec.Encode(events[..1], QueueMessageCodec.CompressedVersion))[0] with
        {
            Attempts = 12, FirstAttemptAt = now.AddHours(-28), LastStatus = 503, LastError = "HTTP 503 Service Unavailable",
        };
        await deadLetters.AddAsync(fromV2);

        // A whole v2 message of the other 149, moved here unread, as a consumer of an earlier release does.
        await deadLetters.AddUndecodableAsync(QueueMessageCodec.Encode(events[1..], QueueMessageCodec.CompressedVersion));

        using var http = cluster.Api.CreateHttpClient();
        using (var listing = await GetJsonAsync(http, "/deadletter?peek=32"))
        {
            Assert.Equal(2, listing.RootElement.GetProperty("count").GetInt32());
            var entries = listing.RootElement.GetProperty("messages").EnumerateArray().ToDictionary(m => m.GetProperty("eventId").GetString()!);
            Assert.Equal(events.Select(e => e.EventId).Order(StringComparer.Ordinal), entries.Keys.Order(StringComparer.Ordinal));
            var dead = entries[fromV2.EventId];
            Assert.Equal(12, dead.GetProperty("attempts").GetInt32());
            Assert.Equal(503, dead.GetProperty("lastStatus").GetInt32());
            Assert.Equal("HTTP 503 Service Unavailable", dead.GetProperty("lastError").GetString());
            Assert.All(events.Skip(1), e =>
            {
                var entry = entries[e.EventId];
                Assert.Equal(e.Did, entry.GetProperty("did").GetString());
                Assert.Contains("In a version 2 message of 149 event(s) that a consumer moved here whole", entry.GetProperty("lastError").GetString());
            });
            Assert.Single(entries.Values.Select(m => m.GetProperty("messageId").GetString()).Where(id => id != dead.GetProperty("messageId").GetString()).Distinct());
        }

        var depthBefore = (await clients.Queue.GetPropertiesAsync()).Value.ApproximateMessagesCount;
        using (var all = await RedriveAsync(http, string.Empty))
        {
            Assert.Equal(HttpStatusCode.OK, all.StatusCode);
            Assert.Equal("""{"message":"Dead letters redriven","moved":150}""", Compact(await all.Content.ReadAsStringAsync()));
        }

        // Back on the main queue in version 1, which every consumer reads, each message within the limit.
        var mine = events.ToDictionary(e => e.EventId);
        var redriven = new List<QueuedEvent>();
        var messages = 0;
        while (redriven.Count < events.Count)
        {
            var batch = (await clients.Queue.ReceiveMessagesAsync(32, TimeSpan.FromMinutes(1))).Value;
            Assert.NotEmpty(batch);
            foreach (var message in batch)
            {
                var decoded = QueueMessageCodec.DecodeMessage(message.Body.ToMemory());
                if (!decoded.Events.All(e => mine.ContainsKey(e.EventId)))
                {
                    continue;
                }

                messages++;
                Assert.Equal(QueueMessageCodec.PlainVersion, decoded.Version);
                Assert.True(message.Body.ToMemory().Length <= clients.Options.MaxMessageBytes, $"{message.Body.ToMemory().Length} bytes");
                redriven.AddRange(decoded.Events);
                await clients.Queue.DeleteMessageAsync(message.MessageId, message.PopReceipt);
            }
        }

        Assert.True(messages > 2, $"{messages} messages: the 149 events should not fit one version 1 message");
        Assert.Equal(depthBefore, (await clients.Queue.GetPropertiesAsync()).Value.ApproximateMessagesCount);
        Assert.Equal(0, await deadLetters.CountAsync());
        Assert.All(redriven, e =>
        {
            Assert.Null(MultiByteEvents.Difference(mine[e.EventId].EventJson.Span, e.EventJson.Span));
            Assert.Equal(0, e.Attempts);
            Assert.Null(e.LastError);
        });
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
