using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Nodes;
using Azure.Storage.Queues;
using Jetstream.Storage;
using Jetstream.Grains.Interfaces;

namespace Jetstream.Api.Tests;

/// <summary>The <c>/subscriptions</c> routes as an operator calls them (admin token), and what each subscription's queue holds.</summary>
internal sealed class SubscriptionClient(ApiClusterFixture cluster) : IDisposable
{
    private readonly HttpClient _http = Authorized(cluster.Api.CreateHttpClient());

    public HttpClient Http => _http;

    public static string NewId(string prefix) => $"{prefix}-{Guid.NewGuid():N}"[..Math.Min(40, prefix.Length + 13)];

    public static HttpClient Authorized(HttpClient http)
    {
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", AdminTokens.Valid);
        return http;
    }

    /// <summary>A subscription body; the webhook points at a port nothing listens on (no consumer runs in these tests).</summary>
    public static JsonObject Body(string id, string[] collections, string[]? dids = null, string[]? kinds = null) => new()
    {
        ["id"] = id,
        ["wantedCollections"] = new JsonArray(collections.Select(c => (JsonNode)c).ToArray()),
        ["wantedDids"] = new JsonArray((dids ?? []).Select(d => (JsonNode)d).ToArray()),
        ["forwardKinds"] = kinds is null ? null : new JsonArray(kinds.Select(k => (JsonNode)k).ToArray()),
        ["webhook"] = new JsonObject { ["url"] = "http://127.0.0.1:9/hook/" + id },
    };

    public Task<HttpResponseMessage> CreateAsync(JsonObject body) => _http.PostAsJsonAsync("/subscriptions", body);

    public async Task<JsonElement> CreateOkAsync(JsonObject body)
    {
        using var response = await CreateAsync(body);
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == System.Net.HttpStatusCode.Created, $"{(int)response.StatusCode}: {text}");
        return JsonDocument.Parse(text).RootElement.Clone();
    }

    public async Task<JsonElement> GetJsonAsync(string path)
    {
        using var response = await _http.GetAsync(path);
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, $"{path}: {(int)response.StatusCode}: {text}");
        return JsonDocument.Parse(text).RootElement.Clone();
    }

    public IJetstreamProcessorGrain Processor(string id) => cluster.ProcessorOf(id);

    /// <summary>Waits until the subscription's processor is connected.</summary>
    public Task ConnectedAsync(string id) =>
        TestSupport.Eventually.HoldsAsync(async () => (await Processor(id).GetStatus()).Connected, TimeSpan.FromSeconds(20), $"subscription {id} connected");

    /// <summary>Waits until the subscription's cursor covers <paramref name="timeUs"/> (every event up to it queued or skipped).</summary>
    public Task CoveredAsync(string id, long timeUs) =>
        TestSupport.Eventually.HoldsAsync(async () => (await Processor(id).GetStats()).Cursor >= timeUs, TimeSpan.FromSeconds(20), $"subscription {id}'s cursor at {timeUs}");

    /// <summary>Every event in the subscription's queue, in queue order, taken off the queue.</summary>
    public async Task<List<QueuedEvent>> TakeQueuedAsync(string id)
    {
        var queue = new QueueClient(cluster.StorageConnectionString, "sub-" + id, new QueueClientOptions { MessageEncoding = QueueMessageEncoding.None });
        var events = new List<QueuedEvent>();
        while (true)
        {
            var messages = (await queue.ReceiveMessagesAsync(32, TimeSpan.FromMinutes(5))).Value;
            if (messages.Length == 0)
            {
                return events;
            }

            foreach (var message in messages)
            {
                events.AddRange(QueueMessageCodec.Decode(message.Body));
                await queue.DeleteMessageAsync(message.MessageId, message.PopReceipt);
            }
        }
    }

    public void Dispose() => _http.Dispose();
}
