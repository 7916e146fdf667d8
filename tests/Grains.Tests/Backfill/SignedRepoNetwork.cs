using System.Text;
using Jetstream.Atproto.Crypto;
using Jetstream.Atproto.Repo;
using Jetstream.Atproto.Syntax;
using Jetstream.TestSupport;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace Jetstream.Grains.Tests.Backfill;

/// <summary>
/// A relay, a PLC directory and a PDS in one real HTTP server, serving repositories built and signed with the
/// <c>Atproto</c> library's <see cref="RepoBuilder"/> (k256 and p256 keys) as a PDS does: <c>listReposByCollection</c>,
/// <c>GET /{did}</c> (a Multikey DID document naming this server as the PDS), and <c>getRepo</c> answering the CAR, a
/// <c>RepoTakendown</c> refusal, a 429 with a <c>Retry-After</c>, or a repository signed with a key other than the
/// document's. <see cref="RelayRetryAfter"/> makes the relay's next list answer a 429.
/// </summary>
internal sealed class SignedRepoNetwork : IAsyncDisposable
{
    private const string Base32 = "abcdefghijklmnopqrstuvwxyz234567";
    private readonly Dictionary<string, Served> _repos = new(StringComparer.Ordinal);
    private readonly WebApplication _app;

    private SignedRepoNetwork(WebApplication app, Uri url)
    {
        _app = app;
        Url = url;
    }

    public Uri Url { get; }

    /// <summary>When set, the relay's next <c>listReposByCollection</c> answers 429 with this <c>Retry-After</c> (seconds).</summary>
    public int? RelayRetryAfter { get; set; }

    public static async Task<SignedRepoNetwork> StartAsync()
    {
        var port = FreePort.Next();
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls($"http://127.0.0.1:{port}");
        builder.Logging.ClearProviders();
        var app = builder.Build();
        var network = new SignedRepoNetwork(app, new Uri($"http://127.0.0.1:{port}/"));
        app.MapGet("/xrpc/com.atproto.sync.listReposByCollection", (string collection, HttpContext http) =>
        {
            if (network.RelayRetryAfter is { } seconds)
            {
                network.RelayRetryAfter = null;
                return RateLimited(http, seconds);
            }

            return Results.Json(new { repos = network._repos.Values.Where(r => r.Collections.Contains(collection)).Select(r => new { did = r.Did }).ToArray() });
        });
        app.MapGet("/xrpc/com.atproto.sync.getRepo", async (string did, HttpContext http) =>
        {
            if (!network._repos.TryGetValue(did, out var repo))
            {
                return Results.Json(new { error = "RepoNotFound", message = "Could not find repo" }, statusCode: 400);
            }

            if (repo.Takendown)
            {
                return Results.Json(new { error = "RepoTakendown", message = "Repo has been takendown" }, statusCode: 400);
            }

            if (repo.RetryAfter is { } seconds)
            {
                return RateLimited(http, seconds);
            }

            return Results.Bytes(await repo.Built.ToCarBytesAsync(http.RequestAborted), "application/vnd.ipld.car");
        });
        app.MapGet("/{did}", (string did) => network._repos.TryGetValue(did, out var repo)
            ? Results.Text(Document(did, repo.Key.PublicKey, network.Url), "application/did+ld+json", Encoding.UTF8)
            : Results.NotFound());
        await app.StartAsync();
        return network;
    }

    /// <summary>Adds a repository of <paramref name="records"/> records of <paramref name="collection"/> (and one of another); returns its DID.</summary>
    /// <param name="retryAfter">When set, <c>getRepo</c> always answers 429 with this <c>Retry-After</c> (seconds).</param>
    public (string Did, BuiltRepo Built) Add(string curve, string collection, int records, bool takendown = false, bool wrongKey = false, int? retryAfter = null)
    {
        var did = "did:plc:" + new string(Enumerable.Range(0, 24).Select(_ => Base32[Random.Shared.Next(Base32.Length)]).ToArray());
        var key = AtprotoPrivateKey.Generate(curve);
        var builder = new RepoBuilder(Did.Parse(did), wrongKey ? AtprotoPrivateKey.Generate(curve) : key);
        for (var i = 0; i < records; i++)
        {
            builder.AddJson(collection, $"3kaaaaaaa{i:D4}", $$"""{"$type":"{{collection}}","n":{{i}},"createdAt":"2026-12-06T00:00:00.000Z"}""");
        }

        builder.AddJson("app.other.thing", "self", """{"$type":"app.other.thing","x":1}""");
        var built = builder.Build(Tid.Next(TimeProvider.System));
        _repos[did] = new Served(did, key, built, [collection, "app.other.thing"], takendown, retryAfter);
        return (did, built);
    }

    public async ValueTask DisposeAsync() => await _app.DisposeAsync();

    private static string Document(string did, AtprotoPublicKey key, Uri pds) => $$"""
        {"@context":["https://www.w3.org/ns/did/v1","https://w3id.org/security/multikey/v1"],"id":"{{did}}","alsoKnownAs":["at://test.example"],
         "verificationMethod":[{"id":"{{did}}#atproto","type":"Multikey","controller":"{{did}}","publicKeyMultibase":"{{key.ToMultikey()}}"}],
         "service":[{"id":"#atproto_pds","type":"AtprotoPersonalDataServer","serviceEndpoint":"{{pds.ToString().TrimEnd('/')}}"}]}
        """;

    private static IResult RateLimited(HttpContext http, int seconds)
    {
        http.Response.Headers.RetryAfter = seconds.ToString(System.Globalization.CultureInfo.InvariantCulture);
        return Results.Json(new { error = "RateLimitExceeded", message = "Rate Limit Exceeded" }, statusCode: 429);
    }

    private sealed record Served(string Did, AtprotoPrivateKey Key, BuiltRepo Built, string[] Collections, bool Takendown, int? RetryAfter);
}
