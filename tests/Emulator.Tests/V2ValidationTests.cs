using System.Net;
using System.Net.Http.Json;
using System.Net.WebSockets;
using System.Text.Json;

namespace Jetstream.Emulator.Tests;

/// <summary>subscribeEvents refuses bad requests before the upgrade with XRPC JSON errors (PROTOCOL.md §3.1, [V2] texts).</summary>
public sealed class V2ValidationTests
{
    private const string Path = "/xrpc/network.bsky.jetstream.subscribeEvents";

    [Theory]
    [InlineData("?wantedCollections=app.bsky.feed.post", "InvalidRequest", "wantedCollections is the legacy /subscribe parameter; use collections")]
    [InlineData("?wantedDids=did:plc:aliceaaaaaaaaaaaaaaaaaaa", "InvalidRequest", "wantedDids is the legacy /subscribe parameter; use dids")]
    [InlineData("?requireHello=true", "InvalidRequest", "requireHello is not supported on this endpoint")]
    [InlineData("?compress=true", "InvalidRequest", "this endpoint uses zstdDictionary=<id>")]
    [InlineData("?kinds=commits", "InvalidRequest", "unknown kind \"commits\" (valid: commit, identity, account, sync)")]
    [InlineData("?kinds=commit&kinds=identity&kinds=account&kinds=sync&kinds=commit", "InvalidRequest", "too many kinds values: 5 > 4")]
    [InlineData("?kinds=identity&collections=app.bsky.feed.post", "InvalidRequest", "collections filter can never apply: kinds excludes commit")]
    [InlineData("?collections=foo_bar.*", "InvalidRequest", "invalid collection wildcard: foo_bar.*")]
    [InlineData("?collections=app.*.post", "InvalidRequest", "invalid collection: app.*.post")]
    [InlineData("?dids=not-a-did", "InvalidRequest", "invalid DID: not-a-did")]
    [InlineData("?maxMessageSizeBytes=-1", "InvalidRequest", "invalid maxMessageSizeBytes \"-1\"")]
    [InlineData("?maxMessageSizeBytes=4294967296", "InvalidRequest", "invalid maxMessageSizeBytes")]
    [InlineData("?cursor=abc", "InvalidRequest", "subscribe: invalid cursor: \"abc\"")]
    [InlineData("?cursor=-5", "InvalidRequest", "subscribe: invalid cursor: negative value -5")]
    [InlineData("?zstdDictionary=0", "InvalidRequest", "zstdDictionary must be a positive integer zstd dictionary ID")]
    [InlineData("?zstdDictionary=1612007021", "UnknownZstdDictionary", "unknown zstd dictionary id 1612007021; current dictionary id is 20260811")]
    public async Task Bad_requests_get_400_with_an_xrpc_error_before_the_upgrade(string query, string error, string message)
    {
        await using var emu = await JetstreamEmulator.StartAsync();
        using var http = new HttpClient { BaseAddress = emu.BaseUri };

        using var response = await http.GetAsync(Path + query);
        using var socket = new ClientWebSocket();
        socket.Options.CollectHttpResponseDetails = true;
        await Assert.ThrowsAsync<WebSocketException>(() => socket.ConnectAsync(new Uri(emu.SubscribeEventsUri + query), CancellationToken.None));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        var body = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal(error, body.GetProperty("error").GetString());
        Assert.Contains(message, body.GetProperty("message").GetString());
        Assert.Equal(HttpStatusCode.BadRequest, socket.HttpStatusCode);
        Assert.Equal(0, emu.ConnectionsAccepted);
    }

    [Fact]
    public async Task The_Socket_Encoding_header_is_refused_naming_zstdDictionary()
    {
        await using var emu = await JetstreamEmulator.StartAsync();
        using var http = new HttpClient { BaseAddress = emu.BaseUri };
        using var request = new HttpRequestMessage(HttpMethod.Get, Path);
        request.Headers.Add("Socket-Encoding", "zstd");

        using var response = await http.SendAsync(request);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("zstdDictionary=<id>", await MessageAsync(response));
    }

    [Fact]
    public async Task Limits_count_raw_values_100_collections_and_10000_dids()
    {
        await using var emu = await JetstreamEmulator.StartAsync();
        using var http = new HttpClient { BaseAddress = emu.BaseUri };
        var hundred = string.Concat(Enumerable.Range(0, 100).Select(i => $"&collections=app.bsky.c{i}"));
        // Duplicates are not forgiven on v2: 101 copies of one name are too many.
        var duplicated = string.Concat(Enumerable.Repeat("&collections=app.bsky.feed.post", 101));
        var dids = string.Concat(Enumerable.Repeat($"&dids={Events.Alice}", 10_001));

        using var ok = await http.GetAsync($"{Path}?x=1{hundred}");
        using var tooMany = await http.GetAsync($"{Path}?x=1{duplicated}");
        using var tooManyDids = await http.GetAsync($"{Path}?x=1{dids}");

        Assert.Equal(HttpStatusCode.UpgradeRequired, ok.StatusCode);
        Assert.Contains("too many collections values: 101 > 100", await MessageAsync(tooMany));
        Assert.Contains("too many dids values: 10001 > 10000", await MessageAsync(tooManyDids));
    }

    [Fact]
    public async Task A_valid_plain_GET_is_told_to_upgrade_and_is_not_registered()
    {
        await using var emu = await JetstreamEmulator.StartAsync();
        using var http = new HttpClient { BaseAddress = emu.BaseUri };

        using var response = await http.GetAsync(Path + "?kinds=commit&collections=app.bsky.feed.*&cursor=0");

        Assert.Equal(HttpStatusCode.UpgradeRequired, response.StatusCode);
        Assert.Equal(0, emu.ConnectionsAccepted);
        Assert.Equal([Path + "?kinds=commit&collections=app.bsky.feed.*&cursor=0"], emu.RequestedUrls);
    }

    private static async Task<string> MessageAsync(HttpResponseMessage response) =>
        (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("message").GetString()!;
}
