using System.Net.WebSockets;
using System.Text;
using System.Text.Json;
using Jetstream.Atproto.Repo;
using Jetstream.Emulator;

namespace Atproto.Emulator.Tests;

public sealed class LiveSeamTests
{
    [Fact]
    public async Task A_change_reaches_the_live_side_through_the_Jetstream_emulator_and_the_snapshot_holds_it_at_that_rev()
    {
        await using var network = await AtprotoEmulator.StartAsync(new AtprotoEmulatorOptions { Accounts = 2, MatchingRecords = 3, OtherRecords = 0 });
        await using var jetstream = await JetstreamEmulator.StartAsync();
        using var client = new NetworkClient(network);
        using var socket = new ClientWebSocket();
        await socket.ConnectAsync(new Uri(jetstream.SubscribeUri + "?wantedCollections=app.bsky.feed.post"), CancellationToken.None);
        await jetstream.WaitForConnectionsAsync(1, TimeSpan.FromSeconds(10));

        var did = network.Network.Accounts.DidAt(0);
        using var record = JsonDocument.Parse("""{"$type":"app.bsky.feed.post","text":"live ⚡","createdAt":"2026-12-06T00:00:00Z"}""");
        var change = network.Network.Change(did, new RecordChange("create", "app.bsky.feed.post", Record: record.RootElement));
        jetstream.Publish(change.JetstreamEvent);

        var buffer = new byte[64 * 1024];
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        var received = await socket.ReceiveAsync(buffer, timeout.Token);
        using var live = JsonDocument.Parse(Encoding.UTF8.GetString(buffer, 0, received.Count));
        var commit = live.RootElement.GetProperty("commit");
        Assert.Equal(did, live.RootElement.GetProperty("did").GetString());
        Assert.Equal(change.Rev, commit.GetProperty("rev").GetString());
        Assert.Equal(change.Cid, commit.GetProperty("cid").GetString());
        Assert.Equal("live ⚡", commit.GetProperty("record").GetProperty("text").GetString());

        // The backfill's rule: a live commit at or below the snapshot's rev is already in the snapshot.
        using var snapshot = await client.FetchVerifiedAsync(did);
        Assert.Equal(change.Rev, snapshot.Rev.Value);
        var held = false;
        await foreach (var r in snapshot.ReadRecordsAsync(CollectionFilter.Parse(["app.bsky.feed.post"])))
        {
            held |= r.RecordKey.Value == change.Rkey && r.Cid.ToString() == change.Cid;
        }
        Assert.True(held);
    }
}
