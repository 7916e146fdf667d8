using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Jetstream.Atproto.Repo;

namespace Atproto.Emulator.Tests;

public sealed class ChangeTests
{
    [Fact]
    public async Task Create_update_and_delete_make_new_signed_commits_and_report_their_Jetstream_events()
    {
        await using var emulator = await AtprotoEmulator.StartAsync(new AtprotoEmulatorOptions { Accounts = 2, MatchingRecords = 10, OtherRecords = 4 });
        using var client = new NetworkClient(emulator);
        var did = emulator.Network.Accounts.DidAt(1);
        using var before = await client.FetchVerifiedAsync(did);
        var generated = (await RepositoryTests.Records(before, CollectionFilter.Parse(["app.bsky.feed.post"])))[3].Key;

        var created = await PostAsync(client, did, """{"operation":"create","collection":"app.bsky.feed.post","record":{"$type":"app.bsky.feed.post","text":"neu: Straße ✓","createdAt":"2026-01-01T00:00:00Z"}}""");
        var updated = await PostAsync(client, did, $$$"""{"operation":"update","collection":"app.bsky.feed.post","rkey":"{{{generated.Split('/')[1]}}}","record":{"$type":"app.bsky.feed.post","text":"edited","createdAt":"2026-01-01T00:00:00Z"}}""");
        var deleted = await PostAsync(client, did, $$"""{"operation":"delete","collection":"app.bsky.feed.post","rkey":"{{created.Rkey}}"}""");

        Assert.True(string.CompareOrdinal(before.Rev.Value, created.Rev) < 0);
        Assert.True(string.CompareOrdinal(created.Rev, updated.Rev) < 0);
        Assert.True(string.CompareOrdinal(updated.Rev, deleted.Rev) < 0);

        using (var ev = JsonDocument.Parse(created.JetstreamEvent))
        {
            var root = ev.RootElement;
            Assert.Equal(did, root.GetProperty("did").GetString());
            Assert.Equal("commit", root.GetProperty("kind").GetString());
            Assert.True(root.GetProperty("time_us").GetInt64() > 0);
            var commit = root.GetProperty("commit");
            Assert.Equal(created.Rev, commit.GetProperty("rev").GetString());
            Assert.Equal("create", commit.GetProperty("operation").GetString());
            Assert.Equal("app.bsky.feed.post", commit.GetProperty("collection").GetString());
            Assert.Equal(created.Rkey, commit.GetProperty("rkey").GetString());
            Assert.Equal("neu: Straße ✓", commit.GetProperty("record").GetProperty("text").GetString());
            Assert.Equal(created.Cid, commit.GetProperty("cid").GetString());
        }
        using (var ev = JsonDocument.Parse(deleted.JetstreamEvent))
        {
            var commit = ev.RootElement.GetProperty("commit");
            Assert.Equal("delete", commit.GetProperty("operation").GetString());
            Assert.False(commit.TryGetProperty("record", out _));
            Assert.False(commit.TryGetProperty("cid", out _));
        }

        using var after = await client.FetchVerifiedAsync(did);
        Assert.Equal(deleted.Rev, after.Rev.Value);
        var records = new Dictionary<string, string>();
        await foreach (var record in after.ReadRecordsAsync(CollectionFilter.Parse(["app.bsky.feed.post"])))
        {
            records[$"{record.Collection}/{record.RecordKey}"] = record.Cid.ToString();
        }
        Assert.Equal(10, records.Count);
        Assert.Equal(updated.Cid, records[generated]);
        Assert.DoesNotContain($"app.bsky.feed.post/{created.Rkey}", records.Keys);

        // The other account is untouched.
        using var other = await client.FetchVerifiedAsync(emulator.Network.Accounts.DidAt(0));
        Assert.Equal(emulator.Network.Accounts[0].Rev, other.Rev);
    }

    [Theory]
    [InlineData("""{"operation":"update","collection":"app.bsky.feed.post","rkey":"3zzzzzzzzzzzz","record":{"$type":"app.bsky.feed.post","text":"x"}}""", HttpStatusCode.NotFound)]
    [InlineData("""{"operation":"delete","collection":"app.bsky.feed.post","rkey":"nope"}""", HttpStatusCode.NotFound)]
    [InlineData("""{"operation":"rename","collection":"app.bsky.feed.post"}""", HttpStatusCode.BadRequest)]
    [InlineData("""{"operation":"create","collection":"not an nsid","record":{}}""", HttpStatusCode.BadRequest)]
    [InlineData("""{"operation":"create","collection":"app.bsky.feed.post","record":{"$type":"app.bsky.feed.post","n":1.5}}""", HttpStatusCode.BadRequest)]
    [InlineData("""{"operation":"create","collection":"app.bsky.feed.post"}""", HttpStatusCode.BadRequest)]
    [InlineData("""not json""", HttpStatusCode.BadRequest)]
    public async Task A_bad_change_is_refused_with_the_reason_and_changes_nothing(string body, HttpStatusCode status)
    {
        await using var emulator = await AtprotoEmulator.StartAsync(new AtprotoEmulatorOptions { Accounts = 1 });
        using var client = new NetworkClient(emulator);
        var did = emulator.Network.Accounts.DidAt(0);
        var rev = emulator.Network.Accounts[0].Rev;
        using var content = new StringContent(body, Encoding.UTF8, "application/json");
        var response = await client.Http.PostAsync(new Uri(emulator.PlcUri, $"/control/accounts/{did}/records"), content);
        Assert.Equal(status, response.StatusCode);
        Assert.Contains("detail", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal(rev, emulator.Network.Accounts[0].Rev);
    }

    private static async Task<RecordChangeResult> PostAsync(NetworkClient client, string did, string body)
    {
        using var content = new StringContent(body, Encoding.UTF8, "application/json");
        var response = await client.Http.PostAsync(new Uri(client.Emulator.PlcUri, $"/control/accounts/{did}/records"), content);
        Assert.True(response.IsSuccessStatusCode, await response.Content.ReadAsStringAsync());
        return (await response.Content.ReadFromJsonAsync<RecordChangeResult>(JsonSerializerOptions.Web))!;
    }
}
