using System.Net;
using Jetstream.Atproto.Crypto;
using Jetstream.Atproto.Identity;
using Jetstream.Atproto.Network;
using Jetstream.Atproto.Tests.Support;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Time.Testing;

namespace Jetstream.Atproto.Tests.Identity;

public sealed class DidResolverTests : IAsyncLifetime
{
    private const string Plc = "did:plc:ewvi7nxzyoun6zhxrhs64oiz";
    private const string Gone = "did:plc:tombstonedtombstonedtomb";
    private const string Broken = "did:plc:brokenbrokenbrokenbroken";
    private const string Huge = "did:plc:hugehugehugehugehugehuge";
    private const string Other = "did:plc:otherotherotherotherothe";
    private const string Moved = "did:plc:movedmovedmovedmovedmove";
    private const string Slow = "did:plc:slowslowslowslowslowslow";

    private readonly AtprotoPublicKey _key = AtprotoPrivateKey.Generate("k256").PublicKey;
    private readonly FakeTimeProvider _time = new(DateTimeOffset.Parse("2026-01-01T00:00:00Z"));
    private readonly TaskCompletionSource _release = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private KestrelServer _server = null!;
    private int _plcRequests;

    public async Task InitializeAsync() => _server = await KestrelServer.StartAsync(app =>
    {
        app.MapGet("/.well-known/did.json", (HttpContext context) =>
            Results.Bytes(DidDocumentTests.Doc(_key.ToMultikey(), did: $"did:web:localhost%3A{context.Request.Host.Port}"), "application/json"));
        app.MapGet("/{did}", async (string did, HttpContext context) =>
        {
            Interlocked.Increment(ref _plcRequests);
            switch (did)
            {
                case Plc:
                    return Results.Bytes(DidDocumentTests.Doc(_key.ToMultikey()), "application/did+ld+json");
                case Gone:
                    return Results.StatusCode(410);
                case Broken:
                    return Results.StatusCode(503);
                case Huge:
                    return Results.Stream(async body =>
                    {
                        var chunk = new byte[16 * 1024];
                        for (var i = 0; i < 100; i++)
                        {
                            await body.WriteAsync(chunk);
                        }
                    }, "application/json");
                case Other:
                    return Results.Bytes(DidDocumentTests.Doc(_key.ToMultikey()), "application/json");
                case Moved:
                    return Results.Redirect("http://169.254.169.254/latest/meta-data");
                case Slow:
                    await _release.Task.WaitAsync(context.RequestAborted);
                    return Results.Ok();
                default:
                    return Results.NotFound();
            }
        });
    });

    public async Task DisposeAsync()
    {
        _release.TrySetResult();
        await _server.DisposeAsync();
    }

    [Fact]
    public async Task Plc_document_is_read_once_then_cached_until_the_ttl_passes_or_it_is_invalidated()
    {
        var resolver = Resolver(allowPrivate: true);

        var first = await resolver.ResolveAsync(Plc);
        var second = await resolver.ResolveAsync(Plc);
        Assert.Equal(_key, first.SigningKey);
        Assert.Same(first, second);
        Assert.Equal(1, _plcRequests);

        _time.Advance(TimeSpan.FromMinutes(9));
        await resolver.ResolveAsync(Plc);
        Assert.Equal(1, _plcRequests);

        _time.Advance(TimeSpan.FromMinutes(2));
        await resolver.ResolveAsync(Plc);
        Assert.Equal(2, _plcRequests);

        resolver.Invalidate(Plc);
        await resolver.ResolveAsync(Plc);
        Assert.Equal(3, _plcRequests);
    }

    [Fact]
    public async Task Not_found_tombstoned_and_failing_are_three_errors_a_caller_can_tell_apart()
    {
        var resolver = Resolver(allowPrivate: true);

        Assert.Equal("did:plc:aaaaaaaaaaaaaaaaaaaaaaaa",
            (await Assert.ThrowsAsync<DidNotFoundException>(() => resolver.ResolveAsync("did:plc:aaaaaaaaaaaaaaaaaaaaaaaa"))).Did);
        Assert.Equal(Gone, (await Assert.ThrowsAsync<DidTombstonedException>(() => resolver.ResolveAsync(Gone))).Did);
        var failing = await Assert.ThrowsAsync<DidResolutionException>(() => resolver.ResolveAsync(Broken));
        Assert.Equal(HttpStatusCode.ServiceUnavailable, failing.StatusCode);
        Assert.Contains("answered 503", failing.Message);
    }

    [Fact]
    public async Task Oversized_redirected_or_foreign_documents_are_refused()
    {
        var resolver = Resolver(allowPrivate: true);

        Assert.Contains("larger than 65536 bytes", (await Assert.ThrowsAsync<InvalidDidDocumentException>(() => resolver.ResolveAsync(Huge))).Message);
        Assert.Contains("redirect", (await Assert.ThrowsAsync<InvalidDidDocumentException>(() => resolver.ResolveAsync(Moved))).Message);
        Assert.Contains("names another DID", (await Assert.ThrowsAsync<InvalidDidDocumentException>(() => resolver.ResolveAsync(Other))).Message);
    }

    [Fact]
    public async Task Did_web_on_localhost_is_read_from_its_well_known_path()
    {
        var did = $"did:web:localhost%3A{_server.Url.Port}";

        var document = await Resolver(allowPrivate: true).ResolveAsync(did);

        Assert.Equal(did, document.Did);
        Assert.Equal(_key, document.SigningKey);
    }

    [Fact]
    public async Task Did_web_naming_a_private_host_is_refused_by_the_guard()
    {
        var ex = await Assert.ThrowsAsync<PrivateNetworkRefusedException>(() =>
            Resolver(allowPrivate: false).ResolveAsync($"did:web:localhost%3A{_server.Url.Port}"));

        Assert.Equal(AddressRange.Loopback, ex.Range);
        Assert.Contains("Atproto:AllowPrivateNetworks", ex.Message);
    }

    [Theory]
    [InlineData("did:web:example.com:user:alice", "with a path")]
    [InlineData("did:web:exa_mple.com", "valid host")]
    [InlineData("did:web:", "valid host")]
    [InlineData("did:key:zQ3shqwJEJyMBsBXCWyCBpUBMqxcon9oHB7mCvx4sSpMdLJwc", "not a did:plc or did:web")]
    [InlineData("did:plc:UPPERCASEUPPERCASEUPPERC", "not a valid did:plc")]
    [InlineData("did:plc:ewvi7nxzyoun6zhxrhs64oiz/../admin", "not a valid did:plc")]
    [InlineData("at://alice.example", "not a did:plc or did:web")]
    public async Task Did_atproto_cannot_resolve_is_refused_before_any_request(string did, string expected)
    {
        var ex = await Assert.ThrowsAsync<UnsupportedDidException>(() => Resolver(allowPrivate: true).ResolveAsync(did));

        Assert.Contains(expected, ex.Message);
        Assert.Equal(0, _plcRequests);
    }

    [Fact]
    public async Task Server_that_does_not_answer_times_out_on_the_injected_clock()
    {
        var resolution = Resolver(allowPrivate: true).ResolveAsync(Slow);
        await Eventually(() => _plcRequests == 1);

        _time.Advance(TimeSpan.FromSeconds(16));

        Assert.Contains("did not answer within 15 s", (await Assert.ThrowsAsync<DidResolutionException>(() => resolution)).Message);
    }

    [Fact]
    public void Options_that_cannot_work_are_refused_naming_the_setting()
    {
        using var http = new HttpClient();
        Assert.Equal("PlcUrl", Assert.Throws<ArgumentException>(() =>
            new DidResolver(http, new DidResolverOptions { PlcUrl = new Uri("ftp://plc") }, _time)).ParamName);
        Assert.Equal("RequestTimeout", Assert.Throws<ArgumentException>(() =>
            new DidResolver(http, new DidResolverOptions { RequestTimeout = TimeSpan.Zero }, _time)).ParamName);
    }

    private DidResolver Resolver(bool allowPrivate)
    {
        var guard = new PrivateNetworkGuard(allowPrivate, "Atproto:AllowPrivateNetworks");
        var http = new HttpClient(guard.Apply(new SocketsHttpHandler { AllowAutoRedirect = false }));
        return new DidResolver(http, new DidResolverOptions { PlcUrl = _server.Url, CacheTtl = TimeSpan.FromMinutes(10) }, _time);
    }

    private static async Task Eventually(Func<bool> condition)
    {
        for (var i = 0; i < 200 && !condition(); i++)
        {
            await Task.Delay(25);
        }

        Assert.True(condition());
    }
}
