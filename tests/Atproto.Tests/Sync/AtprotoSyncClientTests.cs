using System.Net;
using Jetstream.Atproto.Network;
using Jetstream.Atproto.Sync;
using Jetstream.Atproto.Tests.Support;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Time.Testing;

namespace Jetstream.Atproto.Tests.Sync;

public sealed class AtprotoSyncClientTests : IAsyncLifetime
{
    private const string Did = "did:plc:ewvi7nxzyoun6zhxrhs64oiz";
    private const int CarBytes = 8 * 1024 * 1024;
    private static readonly DateTimeOffset Now = DateTimeOffset.Parse("2026-03-01T12:00:00Z");

    private readonly FakeTimeProvider _time = new(Now);
    private readonly TaskCompletionSource _releaseRest = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly List<string> _listQueries = [];
    private KestrelServer _server = null!;

    public async Task InitializeAsync() => _server = await KestrelServer.StartAsync(app =>
    {
        app.MapGet("/prefix/xrpc/com.atproto.sync.getRepo", async (HttpContext context) =>
        {
            var did = context.Request.Query["did"].ToString();
            if (did != Did)
            {
                await Error(context, 400, did.Split(':')[^1], $"Could not find repo: {did}");
                return;
            }

            Assert.Contains("application/vnd.ipld.car", context.Request.Headers.Accept.ToString());
            context.Response.ContentType = "application/vnd.ipld.car";
            var chunk = new byte[64 * 1024];
            chunk.AsSpan().Fill(0x5A);
            await context.Response.Body.WriteAsync(chunk);
            await context.Response.Body.FlushAsync();
            // The rest only once the test has read the first bytes: a buffering client would never return.
            await _releaseRest.Task.WaitAsync(TimeSpan.FromSeconds(30));
            for (var sent = chunk.Length; sent < CarBytes; sent += chunk.Length)
            {
                await context.Response.Body.WriteAsync(chunk);
            }
        });
        app.MapGet("/xrpc/com.atproto.sync.getRepo", async (HttpContext context) =>
        {
            switch (context.Request.Query["did"].ToString())
            {
                case "did:plc:retryafterseconds0000000":
                    context.Response.Headers.RetryAfter = "30";
                    await Error(context, 429, "RateLimitExceeded", "Rate Limit Exceeded");
                    break;
                case "did:plc:retryafterdate00000000000":
                    context.Response.Headers.RetryAfter = Now.AddSeconds(90).ToString("R");
                    await Error(context, 429, "RateLimitExceeded", "Rate Limit Exceeded");
                    break;
                case "did:plc:ratelimitreset00000000000":
                    context.Response.Headers["RateLimit-Reset"] = Now.AddSeconds(120).ToUnixTimeSeconds().ToString();
                    await Error(context, 429, "RateLimitExceeded", "Rate Limit Exceeded");
                    break;
                case "did:plc:ratelimitnoheader00000000":
                    await Error(context, 429, "RateLimitExceeded", "Rate Limit Exceeded");
                    break;
                default:
                    context.Response.StatusCode = 502;
                    await context.Response.WriteAsync("<html>Bad Gateway</html>");
                    break;
            }
        });
        app.MapGet("/xrpc/com.atproto.sync.listReposByCollection", async (HttpContext context) =>
        {
            lock (_listQueries)
            {
                _listQueries.Add(context.Request.QueryString.Value!);
            }

            var cursor = context.Request.Query["cursor"].ToString();
            var json = cursor switch
            {
                "" => """{"repos":[{"did":"did:plc:aaaaaaaaaaaaaaaaaaaaaaaa"},{"did":"did:plc:bbbbbbbbbbbbbbbbbbbbbbbb"}],"cursor":"page 2/3"}""",
                "page 2/3" => """{"repos":[{"did":"did:web:example.com"},{"did":"not a did"},{"nodid":1}],"cursor":"3"}""",
                "3" => """{"repos":[{"did":"did:plc:cccccccccccccccccccccccc"}]}""",
                _ => """{"cursor":"x"}""",
            };
            await context.Response.WriteAsync(json);
        });
        app.MapGet("/xrpc/com.atproto.sync.getLatestCommit", () =>
            Results.Json(new { cid = "bafyreib2rxk3rh6kzwq", rev = "3l2mmhtz2yz2a" }));
        app.MapGet("/xrpc/com.atproto.sync.getRepoStatus", () =>
            Results.Json(new { did = Did, active = false, status = "takendown" }));
    });

    public async Task DisposeAsync()
    {
        _releaseRest.TrySetResult();
        await _server.DisposeAsync();
    }

    [Fact]
    public async Task GetRepo_returns_the_car_stream_before_the_server_has_sent_it_all()
    {
        using var http = Http(allowPrivate: true);
        var client = new AtprotoSyncClient(http, _time);

        await using var car = await client.GetRepoAsync(new Uri(_server.Url, "prefix/"), Did);
        var first = new byte[1024];
        await car.ReadExactlyAsync(first);
        Assert.All(first, b => Assert.Equal(0x5A, b));

        _releaseRest.SetResult();
        var total = first.Length + await Drain(car);
        Assert.Equal(CarBytes, total);
    }

    [Theory]
    [InlineData("did:plc:RepoTakendown", "RepoTakendown")]
    [InlineData("did:plc:RepoDeactivated", "RepoDeactivated")]
    [InlineData("did:plc:RepoSuspended", "RepoSuspended")]
    [InlineData("did:plc:RepoNotFound", "RepoNotFound")]
    public async Task Unavailable_repository_is_an_xrpc_error_carrying_its_name_and_status(string did, string error)
    {
        using var http = Http(allowPrivate: true);

        var ex = await Assert.ThrowsAsync<XrpcException>(() => new AtprotoSyncClient(http, _time).GetRepoAsync(new Uri(_server.Url, "prefix"), did));

        Assert.Equal(error, ex.Error);
        Assert.Equal(HttpStatusCode.BadRequest, ex.StatusCode);
        Assert.True(ex.IsRepoUnavailable);
        Assert.False(ex.IsRateLimited);
        Assert.Equal("com.atproto.sync.getRepo", ex.Method);
        Assert.Equal($"127.0.0.1:{_server.Url.Port}", ex.Host);
        Assert.Contains($"answered 400 {error}: Could not find repo: {did}", ex.Message);
    }

    [Theory]
    [InlineData("did:plc:retryafterseconds0000000", 30)]
    [InlineData("did:plc:retryafterdate00000000000", 90)]
    [InlineData("did:plc:ratelimitreset00000000000", 120)]
    [InlineData("did:plc:ratelimitnoheader00000000", null)]
    public async Task Rate_limited_answer_says_how_long_to_park_the_host(string did, int? seconds)
    {
        using var http = Http(allowPrivate: true);

        var ex = await Assert.ThrowsAsync<XrpcException>(() => new AtprotoSyncClient(http, _time).GetRepoAsync(_server.Url, did));

        Assert.True(ex.IsRateLimited);
        Assert.Equal("RateLimitExceeded", ex.Error);
        Assert.Equal(seconds is null ? null : TimeSpan.FromSeconds(seconds.Value), ex.RetryAfter);
    }

    [Fact]
    public async Task Error_without_an_xrpc_body_keeps_the_status()
    {
        using var http = Http(allowPrivate: true);

        var ex = await Assert.ThrowsAsync<XrpcException>(() => new AtprotoSyncClient(http, _time).GetRepoAsync(_server.Url, "did:plc:other"));

        Assert.Equal(HttpStatusCode.BadGateway, ex.StatusCode);
        Assert.Null(ex.Error);
        Assert.False(ex.IsRepoUnavailable);
    }

    [Fact]
    public async Task ListReposByCollection_pages_with_the_opaque_cursor_and_reports_entries_that_are_not_dids()
    {
        using var http = Http(allowPrivate: true);
        var client = new AtprotoSyncClient(http, _time);

        var pages = new List<RepoListPage>();
        string? cursor = null;
        do
        {
            var page = await client.ListReposByCollectionAsync(_server.Url, "app.bsky.feed.post", cursor, limit: 2000);
            pages.Add(page);
            cursor = page.Cursor;
        }
        while (cursor is not null);

        Assert.Equal(
            ["did:plc:aaaaaaaaaaaaaaaaaaaaaaaa", "did:plc:bbbbbbbbbbbbbbbbbbbbbbbb", "did:web:example.com", "did:plc:cccccccccccccccccccccccc"],
            pages.SelectMany(p => p.Dids));
        Assert.Equal(["not a did", """{"nodid":1}"""], pages.SelectMany(p => p.Rejected));
        Assert.Equal(
            ["?collection=app.bsky.feed.post&limit=2000", "?collection=app.bsky.feed.post&limit=2000&cursor=page%202%2F3", "?collection=app.bsky.feed.post&limit=2000&cursor=3"],
            _listQueries);
    }

    [Fact]
    public async Task ListReposByCollection_refuses_bad_arguments_before_asking_and_a_page_without_repos_after()
    {
        using var http = Http(allowPrivate: true);
        var client = new AtprotoSyncClient(http, _time);

        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => client.ListReposByCollectionAsync(_server.Url, "app.bsky.feed.post", limit: 0));
        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => client.ListReposByCollectionAsync(_server.Url, "app.bsky.feed.post", limit: 2001));
        await Assert.ThrowsAsync<ArgumentException>(() => client.ListReposByCollectionAsync(_server.Url, "app.bsky.*"));
        await Assert.ThrowsAsync<ArgumentException>(() => client.ListReposByCollectionAsync(new Uri("ftp://relay.example"), "app.bsky.feed.post"));
        Assert.Empty(_listQueries);

        var ex = await Assert.ThrowsAsync<XrpcException>(() => client.ListReposByCollectionAsync(_server.Url, "app.bsky.feed.post", "bogus"));
        Assert.Contains("has no 'repos' array", ex.Message);
    }

    [Fact]
    public async Task GetLatestCommit_and_GetRepoStatus_read_their_answers()
    {
        using var http = Http(allowPrivate: true);
        var client = new AtprotoSyncClient(http, _time);

        Assert.Equal(new LatestCommit("bafyreib2rxk3rh6kzwq", "3l2mmhtz2yz2a"), await client.GetLatestCommitAsync(_server.Url, Did));
        Assert.Equal(new RepoStatus(Did, false, "takendown", null), await client.GetRepoStatusAsync(_server.Url, Did));
    }

    [Fact]
    public async Task Pds_on_a_private_address_is_refused_with_the_guards_error()
    {
        using var http = Http(allowPrivate: false);

        var ex = await Assert.ThrowsAsync<PrivateNetworkRefusedException>(() => new AtprotoSyncClient(http, _time).GetRepoAsync(_server.Url, Did));

        Assert.Equal("127.0.0.1", ex.Host);
    }

    [Fact]
    public async Task Host_that_cannot_be_reached_is_an_xrpc_error_without_status()
    {
        using var http = Http(allowPrivate: true);
        var closed = new Uri($"http://127.0.0.1:{Jetstream.Atproto.Tests.Support.FreePort.Next()}/");

        var ex = await Assert.ThrowsAsync<XrpcException>(() => new AtprotoSyncClient(http, _time).GetRepoAsync(closed, Did));

        Assert.Null(ex.StatusCode);
        Assert.Contains("could not be reached", ex.Message);
    }

    private static HttpClient Http(bool allowPrivate) =>
        new(new PrivateNetworkGuard(allowPrivate, "Atproto:AllowPrivateNetworks").Apply(new SocketsHttpHandler { AllowAutoRedirect = false }));

    private static async Task Error(HttpContext context, int status, string error, string message)
    {
        context.Response.StatusCode = status;
        await context.Response.WriteAsJsonAsync(new { error, message });
    }

    private static async Task<int> Drain(Stream stream)
    {
        var buffer = new byte[81920];
        var total = 0;
        int read;
        while ((read = await stream.ReadAsync(buffer)) > 0)
        {
            total += read;
        }

        return total;
    }
}
