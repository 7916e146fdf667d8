using System.Net.Http.Headers;
using System.Text.Json;
using Jetstream.Atproto.Http;
using Jetstream.Atproto.Network;

namespace Jetstream.Atproto.Sync;

/// <summary>
/// The <c>com.atproto.sync</c> calls a backfill makes, over an <see cref="HttpClient"/> the caller owns (and should
/// have built with a <see cref="PrivateNetworkGuard"/>: PDS URLs come from DID documents). Every failure is an
/// <see cref="XrpcException"/> (with the error name, status and wait), except a refused private address, which is the
/// <see cref="PrivateNetworkRefusedException"/> itself.
/// </summary>
public sealed class AtprotoSyncClient
{
    public const int MaxListLimit = 2000;

    // A page of 2000 DIDs is ~100 KB; the rest is headroom, not an invitation.
    private const int MaxJsonBytes = 4 * 1024 * 1024;

    private readonly HttpClient _http;
    private readonly TimeProvider _time;

    public AtprotoSyncClient(HttpClient http, TimeProvider time)
    {
        ArgumentNullException.ThrowIfNull(http);
        ArgumentNullException.ThrowIfNull(time);
        _http = http;
        _time = time;
    }

    /// <summary>
    /// <c>com.atproto.sync.getRepo</c>: the repository as a CAR, as a stream read straight off the connection (nothing
    /// is buffered, so a repository of any size takes constant memory here). Dispose it to release the connection.
    /// </summary>
    public async Task<Stream> GetRepoAsync(Uri pdsUrl, string did, CancellationToken cancellationToken = default)
    {
        XrpcArguments.RequireHttpUrl(pdsUrl, nameof(pdsUrl));
        XrpcArguments.RequireDid(did);
        const string method = "com.atproto.sync.getRepo";
        var response = await SendAsync(method, Url(pdsUrl, method, ("did", did)), "application/vnd.ipld.car", cancellationToken);
        try
        {
            return new ResponseStream(response, await response.Content.ReadAsStreamAsync(cancellationToken));
        }
        catch
        {
            response.Dispose();
            throw;
        }
    }

    /// <summary><c>com.atproto.sync.listReposByCollection</c> at a relay: one page of the DIDs that hold <paramref name="collection"/>.</summary>
    public async Task<RepoListPage> ListReposByCollectionAsync(
        Uri relayUrl, string collection, string? cursor = null, int limit = 1000, CancellationToken cancellationToken = default)
    {
        XrpcArguments.RequireHttpUrl(relayUrl, nameof(relayUrl));
        XrpcArguments.RequireNsid(collection);
        ArgumentOutOfRangeException.ThrowIfLessThan(limit, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(limit, MaxListLimit);
        const string method = "com.atproto.sync.listReposByCollection";
        var url = Url(relayUrl, method, ("collection", collection), ("limit", limit.ToString(System.Globalization.CultureInfo.InvariantCulture)), ("cursor", cursor));
        using var json = await GetJsonAsync(method, url, cancellationToken);

        if (!json.RootElement.TryGetProperty("repos", out var repos) || repos.ValueKind != JsonValueKind.Array)
        {
            throw Malformed(method, url, "has no 'repos' array");
        }

        var dids = new List<string>(repos.GetArrayLength());
        var rejected = new List<string>();
        foreach (var repo in repos.EnumerateArray())
        {
            var did = repo.ValueKind == JsonValueKind.Object && repo.TryGetProperty("did", out var value) && value.ValueKind == JsonValueKind.String
                ? value.GetString()
                : null;
            if (XrpcArguments.IsDid(did))
            {
                dids.Add(did!);
            }
            else
            {
                rejected.Add(XrpcArguments.Shorten(did ?? repo.GetRawText()));
            }
        }

        var next = Text(json.RootElement, "cursor");
        return new RepoListPage(dids, string.IsNullOrEmpty(next) ? null : next, rejected);
    }

    /// <summary><c>com.atproto.sync.getLatestCommit</c>: the repository's head commit CID and rev, a cheap "has it changed?".</summary>
    public async Task<LatestCommit> GetLatestCommitAsync(Uri pdsUrl, string did, CancellationToken cancellationToken = default)
    {
        XrpcArguments.RequireHttpUrl(pdsUrl, nameof(pdsUrl));
        XrpcArguments.RequireDid(did);
        const string method = "com.atproto.sync.getLatestCommit";
        var url = Url(pdsUrl, method, ("did", did));
        using var json = await GetJsonAsync(method, url, cancellationToken);
        return new LatestCommit(
            Text(json.RootElement, "cid") ?? throw Malformed(method, url, "has no 'cid'"),
            Text(json.RootElement, "rev") ?? throw Malformed(method, url, "has no 'rev'"));
    }

    /// <summary><c>com.atproto.sync.getRepoStatus</c>: whether the host serves the repository, and if not why.</summary>
    public async Task<RepoStatus> GetRepoStatusAsync(Uri pdsUrl, string did, CancellationToken cancellationToken = default)
    {
        XrpcArguments.RequireHttpUrl(pdsUrl, nameof(pdsUrl));
        XrpcArguments.RequireDid(did);
        const string method = "com.atproto.sync.getRepoStatus";
        var url = Url(pdsUrl, method, ("did", did));
        using var json = await GetJsonAsync(method, url, cancellationToken);
        if (!json.RootElement.TryGetProperty("active", out var active) || active.ValueKind is not (JsonValueKind.True or JsonValueKind.False))
        {
            throw Malformed(method, url, "has no boolean 'active'");
        }

        return new RepoStatus(did, active.GetBoolean(), Text(json.RootElement, "status"), Text(json.RootElement, "rev"));
    }

    private async Task<JsonDocument> GetJsonAsync(string method, Uri url, CancellationToken cancellationToken)
    {
        using var response = await SendAsync(method, url, "application/json", cancellationToken);
        byte[]? body;
        try
        {
            body = await BoundedContent.ReadAsync(response.Content, MaxJsonBytes, cancellationToken);
        }
        catch (HttpRequestException ex)
        {
            throw new XrpcException(method, url.Authority, response.StatusCode, null, $"{method} at {url.Authority}: the response was cut off ({ex.Message})", inner: ex);
        }

        if (body is null)
        {
            throw Malformed(method, url, $"is larger than {MaxJsonBytes} bytes");
        }

        try
        {
            var json = JsonDocument.Parse(body, new JsonDocumentOptions { MaxDepth = 16 });
            if (json.RootElement.ValueKind != JsonValueKind.Object)
            {
                json.Dispose();
                throw Malformed(method, url, "is not a JSON object");
            }

            return json;
        }
        catch (JsonException ex)
        {
            throw Malformed(method, url, $"is not JSON ({ex.Message})");
        }
    }

    /// <summary>Sends the GET and returns a successful response with its body unread; anything else becomes an exception.</summary>
    private async Task<HttpResponseMessage> SendAsync(string method, Uri url, string accept, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, url);
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue(accept));
        HttpResponseMessage response;
        try
        {
            response = await _http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken);
        }
        catch (HttpRequestException ex) when (ex.InnerException is PrivateNetworkRefusedException refused)
        {
            throw refused;
        }
        catch (HttpRequestException ex)
        {
            throw new XrpcException(method, url.Authority, null, null, $"{method}: {url.Authority} could not be reached ({ex.Message})", inner: ex);
        }

        if (response.IsSuccessStatusCode)
        {
            return response;
        }

        using (response)
        {
            throw await XrpcErrorReader.ReadAsync(method, url, response, _time, cancellationToken);
        }
    }

    private static Uri Url(Uri host, string method, params (string Name, string? Value)[] query)
    {
        var parameters = string.Join('&', query.Where(p => p.Value is not null).Select(p => $"{p.Name}={Uri.EscapeDataString(p.Value!)}"));
        // A host URL may carry a path prefix (indigo keeps it); the XRPC path goes after it.
        return new Uri($"{host.GetLeftPart(UriPartial.Path).TrimEnd('/')}/xrpc/{method}?{parameters}");
    }

    private static XrpcException Malformed(string method, Uri url, string problem) =>
        new(method, url.Authority, null, null, $"{method} at {url.Authority}: the response {problem}");

    private static string? Text(JsonElement root, string name) =>
        root.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;
}
