using System.Net.WebSockets;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Jetstream.TestSupport;

namespace Jetstream.Backfill.Tests;

/// <summary>The devnet's Jetstream v1 feed, made from the PDS's own <c>subscribeRepos</c>.</summary>
[Collection(DevNetCollection.Name)]
public sealed class JetstreamFeedTests(DevNetFixture fixture)
{
    private readonly AtprotoDevNet _devNet = fixture.DevNet;

    [Fact]
    public async Task Records_written_after_a_client_connected_arrive_as_v1_commit_events()
    {
        var account = await _devNet.CreateAccountAsync();
        var collection = TestNames.Collection("feed");
        using var socket = new ClientWebSocket();
        await socket.ConnectAsync(
            new Uri($"{_devNet.JetstreamUrl}?wantedCollections={collection}&wantedDids={account.Did}"), CancellationToken.None);

        var record = new JsonObject { ["$type"] = collection, ["text"] = "a & <b>", ["createdAt"] = "2026-12-06T00:00:00Z" };
        var created = await _devNet.WriteAsync(account.Did, [DevNetWrite.Create(collection, record)]);
        var rkey = created.Results[0].Rkey!;
        var changed = new JsonObject { ["$type"] = collection, ["text"] = "changed", ["createdAt"] = "2026-12-06T00:00:00Z" };
        var updated = await _devNet.WriteAsync(account.Did, [DevNetWrite.Update(collection, rkey, changed)]);
        var deleted = await _devNet.WriteAsync(account.Did, [DevNetWrite.Delete(collection, rkey)]);

        var create = await ReceiveCommitAsync(socket);
        var update = await ReceiveCommitAsync(socket);
        var delete = await ReceiveCommitAsync(socket);

        // The v1 wire: did, time_us, kind, commit in this order; the record's keys sorted and &, <, > escaped (Go's json).
        Assert.Equal(
            $$$"""{"did":"{{{account.Did}}}","time_us":{{{TimeUs(create)}}},"kind":"commit","commit":{"rev":"{{{created.Commits[0].Rev}}}","operation":"create","collection":"{{{collection}}}","rkey":"{{{rkey}}}","record":{"$type":"{{{collection}}}","createdAt":"2026-12-06T00:00:00Z","text":"a \u0026 \u003cb\u003e"},"cid":"{{{created.Results[0].Cid}}}"}}""",
            create);
        Assert.Equal(
            $$$"""{"did":"{{{account.Did}}}","time_us":{{{TimeUs(update)}}},"kind":"commit","commit":{"rev":"{{{updated.Commits[0].Rev}}}","operation":"update","collection":"{{{collection}}}","rkey":"{{{rkey}}}","record":{"$type":"{{{collection}}}","createdAt":"2026-12-06T00:00:00Z","text":"changed"},"cid":"{{{updated.Results[0].Cid}}}"}}""",
            update);
        Assert.Equal(
            $$$"""{"did":"{{{account.Did}}}","time_us":{{{TimeUs(delete)}}},"kind":"commit","commit":{"rev":"{{{deleted.Commits[0].Rev}}}","operation":"delete","collection":"{{{collection}}}","rkey":"{{{rkey}}}"}}""",
            delete);
        Assert.True(TimeUs(create) < TimeUs(update) && TimeUs(update) < TimeUs(delete), "time_us increases");
        Assert.InRange(TimeUs(create), DateTimeOffset.UtcNow.AddMinutes(-5).ToUnixTimeMilliseconds() * 1000, DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() * 1000);
    }

    [Fact]
    public async Task A_cursor_replays_from_that_time_and_account_events_pass_the_collection_filter()
    {
        var account = await _devNet.CreateAccountAsync();
        var collection = TestNames.Collection("replay");
        var written = await _devNet.WriteAsync(account.Did, [DevNetWrite.Create(collection, new JsonObject { ["$type"] = collection })]);
        await _devNet.DeactivateAsync(account.Did);

        // Written before the client connects: a cursor from before asks for them again.
        var since = DateTimeOffset.UtcNow.AddMinutes(-5).ToUnixTimeMilliseconds() * 1000;
        using var socket = new ClientWebSocket();
        await socket.ConnectAsync(
            new Uri($"{_devNet.JetstreamUrl}?wantedCollections={collection}&wantedDids={account.Did}&cursor={since}"), CancellationToken.None);

        var events = new List<JsonElement>();
        while (!events.Any(e => e.GetProperty("kind").GetString() == "account" && !e.GetProperty("account").GetProperty("active").GetBoolean()))
        {
            events.Add(JsonDocument.Parse(await ReceiveAsync(socket)).RootElement);
        }

        var commit = Assert.Single(events, e => e.GetProperty("kind").GetString() == "commit").GetProperty("commit");
        Assert.Equal(written.Results[0].Cid, commit.GetProperty("cid").GetString());
        Assert.Contains(events, e => e.GetProperty("kind").GetString() == "identity");
        var deactivated = events[^1].GetProperty("account");
        Assert.Equal(account.Did, deactivated.GetProperty("did").GetString());
        Assert.Equal("deactivated", deactivated.GetProperty("status").GetString());
    }

    private static long TimeUs(string json) => JsonDocument.Parse(json).RootElement.GetProperty("time_us").GetInt64();

    /// <summary>The next commit event; the account's own identity and account events (from its creation) may come first.</summary>
    private static async Task<string> ReceiveCommitAsync(ClientWebSocket socket)
    {
        while (true)
        {
            var json = await ReceiveAsync(socket);
            if (JsonDocument.Parse(json).RootElement.GetProperty("kind").GetString() == "commit")
            {
                return json;
            }
        }
    }

    private static async Task<string> ReceiveAsync(ClientWebSocket socket)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        var buffer = new byte[64 * 1024];
        using var message = new MemoryStream();
        WebSocketReceiveResult result;
        do
        {
            result = await socket.ReceiveAsync(buffer, timeout.Token);
            Assert.Equal(WebSocketMessageType.Text, result.MessageType);
            message.Write(buffer, 0, result.Count);
        }
        while (!result.EndOfMessage);

        return Encoding.UTF8.GetString(message.ToArray());
    }
}
