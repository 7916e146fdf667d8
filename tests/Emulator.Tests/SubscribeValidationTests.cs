using System.Net;
using System.Net.WebSockets;

namespace Jetstream.Emulator.Tests;

public sealed class SubscribeValidationTests
{
    [Theory]
    [InlineData("*")]
    [InlineData("app.*.post")]
    [InlineData("app.bsky.graph.fo*")]
    [InlineData("*.foo")]
    public async Task Collection_patterns_other_than_a_trailing_dot_star_get_400_with_the_legacy_body(string pattern)
    {
        await using var emu = await JetstreamEmulator.StartAsync();
        using var http = new HttpClient { BaseAddress = emu.BaseUri };

        using var response = await http.GetAsync($"/subscribe?wantedCollections=app.bsky.feed.post&wantedCollections={Uri.EscapeDataString(pattern)}");

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("text/plain", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal($"invalid subscriber options: invalid collection: {pattern}", await response.Content.ReadAsStringAsync());
    }

    [Theory]
    [InlineData("wantedDids=not-a-did", "invalid subscriber options")]
    [InlineData("wantedDids=did:plc:ok&wantedDids=did:PLC:upper", "invalid subscriber options")]
    [InlineData("cursor=abc", "invalid cursor: abc")]
    [InlineData("cursor=1.5", "invalid cursor: 1.5")]
    public async Task Bad_dids_and_cursors_get_400_with_the_legacy_body(string query, string body)
    {
        await using var emu = await JetstreamEmulator.StartAsync();
        using var http = new HttpClient { BaseAddress = emu.BaseUri };

        using var response = await http.GetAsync($"/subscribe?{query}");

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal(body, await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task More_than_100_wanted_collections_get_400_but_100_connect()
    {
        await using var emu = await JetstreamEmulator.StartAsync();
        using var http = new HttpClient { BaseAddress = emu.BaseUri };
        string Query(int n) => string.Join('&', Enumerable.Range(0, n).Select(i => $"wantedCollections=app.bsky.c{i}.post"));

        using var tooMany = await http.GetAsync($"/subscribe?{Query(101)}");
        await using var hundred = await TestSubscriber.ConnectAsync(emu.SubscribeUri, "?" + Query(100));

        Assert.Equal(HttpStatusCode.BadRequest, tooMany.StatusCode);
        Assert.Equal("invalid subscriber options: too many wanted collections", await tooMany.Content.ReadAsStringAsync());
        Assert.Equal(WebSocketState.Open, hundred.State);
    }

    [Fact]
    public async Task Wildcard_heads_are_not_validated_so_app_bsky_dot_star_and_bare_dot_star_connect()
    {
        await using var emu = await JetstreamEmulator.StartAsync();

        await using var appBsky = await TestSubscriber.ConnectAsync(emu.SubscribeUri, "?wantedCollections=app.bsky.*");
        await using var bare = await TestSubscriber.ConnectAsync(emu.SubscribeUri, "?wantedCollections=.*");
        await using var invalidHead = await TestSubscriber.ConnectAsync(emu.SubscribeUri, "?wantedCollections=foo_bar.*");

        Assert.Equal(3, emu.ActiveConnections);
    }

    [Fact]
    public async Task A_websocket_handshake_with_bad_options_fails_with_status_400()
    {
        await using var emu = await JetstreamEmulator.StartAsync();
        using var socket = new ClientWebSocket();
        socket.Options.CollectHttpResponseDetails = true;

        await Assert.ThrowsAsync<WebSocketException>(() => socket.ConnectAsync(new Uri(emu.SubscribeUri + "?wantedCollections=*"), CancellationToken.None));

        Assert.Equal(HttpStatusCode.BadRequest, socket.HttpStatusCode);
        Assert.Equal(0, emu.ActiveConnections);
    }

    [Fact]
    public async Task Accepted_and_rejected_requests_are_recorded_with_path_and_query()
    {
        await using var emu = await JetstreamEmulator.StartAsync();
        using var http = new HttpClient { BaseAddress = emu.BaseUri };

        using (await http.GetAsync("/subscribe?cursor=oops"))
        {
        }

        await using (await TestSubscriber.ConnectAsync(emu.SubscribeUri, "?wantedCollections=app.bsky.feed.post&cursor=5"))
        {
        }

        Assert.Equal(["/subscribe?cursor=oops", "/subscribe?wantedCollections=app.bsky.feed.post&cursor=5"], emu.RequestedUrls);
        Assert.Equal(1, emu.ConnectionsAccepted);
    }
}
