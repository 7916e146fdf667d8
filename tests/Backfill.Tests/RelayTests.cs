using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Nodes;
using Jetstream.TestSupport;

namespace Jetstream.Backfill.Tests;

/// <summary>The devnet's <c>listReposByCollection</c>, served as a relay does (the PDS has none).</summary>
[Collection(DevNetCollection.Name)]
public sealed class RelayTests(DevNetFixture fixture)
{
    private readonly AtprotoDevNet _devNet = fixture.DevNet;

    [Fact]
    public async Task ListReposByCollection_pages_every_repository_holding_the_collection_with_an_opaque_cursor()
    {
        var wanted = TestNames.Collection("wanted");
        var other = TestNames.Collection("other");
        var holders = new List<string>();
        for (var i = 0; i < 5; i++)
        {
            var account = await _devNet.CreateAccountAsync();
            await _devNet.WriteAsync(account.Did, [DevNetWrite.Create(wanted, new JsonObject { ["$type"] = wanted, ["i"] = i })]);
            holders.Add(account.Did);
        }

        var bystander = await _devNet.CreateAccountAsync();
        await _devNet.WriteAsync(bystander.Did, [DevNetWrite.Create(other, new JsonObject { ["$type"] = other })]);

        // A takendown repository stays listed: a relay never forgets a DID, the list is a superset.
        await _devNet.TakedownAsync(holders[0]);

        using var relay = new HttpClient { BaseAddress = _devNet.RelayUrl };
        var pages = new List<List<string>>();
        string? cursor = null;
        do
        {
            var page = await relay.GetFromJsonAsync<JsonElement>(
                $"/xrpc/com.atproto.sync.listReposByCollection?collection={wanted}&limit=2{(cursor is null ? "" : "&cursor=" + Uri.EscapeDataString(cursor))}");
            pages.Add([.. page.GetProperty("repos").EnumerateArray().Select(r => r.GetProperty("did").GetString()!)]);
            cursor = page.TryGetProperty("cursor", out var next) ? next.GetString() : null;
            Assert.True(pages.Count <= 3, "five repositories in pages of two end after three pages");
        }
        while (cursor is not null);

        Assert.Equal([2, 2, 1], pages.Select(p => p.Count));
        Assert.Equal(holders.Order(StringComparer.Ordinal), pages.SelectMany(p => p));
    }

    [Theory]
    [InlineData("limit=2001")]
    [InlineData("limit=0")]
    [InlineData("limit=ten")]
    [InlineData("cursor=bm90LWEtZGlk")]
    public async Task ListReposByCollection_answers_InvalidRequest_to_a_bad_parameter(string parameter)
    {
        using var relay = new HttpClient { BaseAddress = _devNet.RelayUrl };

        using var response = await relay.GetAsync($"/xrpc/com.atproto.sync.listReposByCollection?collection=app.bsky.feed.post&{parameter}");

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("InvalidRequest", (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("error").GetString());
    }
}
